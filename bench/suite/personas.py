"""The benchmark's users, made idempotently in a scale database (which `generate_scale_data`
leaves without users): run as `python -m bench.suite.personas` with DATABASE_URL set."""

from __future__ import annotations

import os
import sys

from bench.suite import databases


def ensure() -> None:
    from apps.accounts.models import User
    from apps.organizations.models import Region, Role
    from apps.organizations.services import role_assign

    province = Region.objects.get(code="630000")
    county = Region.objects.get(code=databases.COUNTY_CODE)
    for username, role, region, superuser in (
        (databases.PROVINCE, Role.PROVINCE_ADMIN, province, True),
        (databases.COUNTY, Role.COUNTY_STAFF, county, False),
    ):
        user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        user.is_superuser = superuser
        user.is_staff = True
        user.set_password(databases.PASSWORD)
        user.save()
        if not user.role_assignments.filter(role=role, region=region).exists():
            role_assign(user=user, role=role, region=region)


if __name__ == "__main__":
    sys.path.insert(0, str(databases.__file__).rsplit("/bench/", 1)[0])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunzhi.settings")
    import django

    django.setup()
    ensure()
    print("personas ready:", os.environ.get("DATABASE_URL"))
