FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 1000 qunzhi
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings that import; these values exist only for this build step.
RUN DJANGO_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=build FIELD_ENCRYPTION_KEYS=build FIELD_HASH_KEY=build \
    python manage.py collectstatic --noinput \
    && chown -R qunzhi /app/var
USER qunzhi

EXPOSE 8000
CMD ["gunicorn", "qunzhi.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
