"""Service centers and stations."""

from __future__ import annotations

from django.db import transaction

from apps.organizations.services.checks import clean_name, require_perm, require_region_in_scope
from apps.resources.models import ServiceCenter


@transaction.atomic
def center_save(*, actor=None, center: ServiceCenter) -> ServiceCenter:
    require_perm(actor, f"resources.{'change' if center.pk else 'add'}_servicecenter")
    require_region_in_scope(actor, center.region)
    center.name = clean_name(center.name)
    center.full_clean(validate_constraints=False)
    center.save()
    return center
