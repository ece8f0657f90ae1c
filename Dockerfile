FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 1000 qunzhi
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected (hashed, compressed) into the image and served by whitenoise.
# collectstatic needs settings that import; these values exist only for this build step.
# var/media is made here so that the compose volume mounted on it starts owned by qunzhi.
RUN DJANGO_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=build FIELD_ENCRYPTION_KEYS=build FIELD_HASH_KEY=build \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown -R qunzhi /app/var
USER qunzhi

EXPOSE 8000
CMD ["gunicorn", "-c", "python:qunzhi.gunicorn_conf", "qunzhi.wsgi:application"]
