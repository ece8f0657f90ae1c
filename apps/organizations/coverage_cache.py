"""The coverage report's totals as they are served: counted once per region, kept until a write
could change them.

At a million people the count reads about 10,000 host units with their rules and branches (≈60 ms),
and the totals change only when a host unit, an organization (a branch sits in a host unit) or a
coverage rule is written. Each such write replaces a generation token — at once, and again when its
transaction commits — and an entry counted under another token is counted anew. So the report is
exact for every write through the ORM (services, admin, imports); a write that bypasses the ORM's
signals (raw SQL, COPY, QuerySet.update), or one made while Redis could not be reached (the token
stays as it was), shows within COVERAGE_CACHE_SECONDS.

Only viewers who see every row under the region share its entry, as the platform counts it;
viewers scoped to organizations (federation liaisons) are counted anew each time.
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from apps.organizations import selectors
from apps.organizations.models import CoverageRule, HostUnit, Organization, Region
from apps.organizations.scoping import PLATFORM, sees_all_of

GENERATION = "coverage:generation"


def served(*, user, region: Region | None = None) -> selectors.Coverage:
    """The coverage report of the region (None: the user's whole scope), from the cache where shared."""
    if not sees_all_of(user, region):
        return selectors.coverage(user=user, region=region)
    key = f"coverage:{region.pk if region else 'all'}"
    found = cache.get_many([GENERATION, key])
    generation, kept = found.get(GENERATION), found.get(key)
    if generation is not None and kept is not None and kept[0] == generation:
        return kept[1]
    if generation is None:
        cache.add(GENERATION, uuid4().hex, None)
        generation = cache.get(GENERATION)  # ours, or another worker's added just before
    # Counted after the token is read: a write committed meanwhile has replaced it, so this entry
    # will not be taken for the current one.
    report = selectors.coverage(user=PLATFORM, region=region)
    if generation is not None:
        cache.set(key, (generation, report), settings.COVERAGE_CACHE_SECONDS)
    return report


def renew(action: str = "post_save", **kwargs) -> None:
    """Every kept report is out of date: now (for this transaction's own reads) and at commit."""
    if not action.startswith("post_"):
        return  # a rule's federations: m2m_changed also signals before the change (pre_add …)
    _replace_generation()
    transaction.on_commit(_replace_generation)


def _replace_generation() -> None:
    cache.set(GENERATION, uuid4().hex, None)


def connect() -> None:
    for model in (HostUnit, Organization, CoverageRule):
        post_save.connect(renew, sender=model, dispatch_uid=f"coverage-{model.__name__}-saved")
        post_delete.connect(renew, sender=model, dispatch_uid=f"coverage-{model.__name__}-deleted")
    m2m_changed.connect(renew, sender=CoverageRule.federations.through, dispatch_uid="coverage-rule-federations")
