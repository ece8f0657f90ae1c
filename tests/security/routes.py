"""The URL list as data for the generated access tests, and the registry that says, for every route
taking an id, which model the id names and how to find a row of it that belongs to 城东区 alone.

Everything here is derived from `get_resolver()`: a new route is tried the day it appears. A new
route taking an id whose model the registry cannot tell fails the tests (coverage cannot shrink
silently); so does a registered model without a 城东区 row in the test world.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.activities.models import Activity, Registration, VolunteerRecord
from apps.exports.models import ExportJob
from apps.insights.models import Evaluation, EvaluationScheme, Indicator, Score
from apps.members.models import Membership, Person
from apps.organizations.models import Decision, FollowUp, HostUnit, Meeting, Organization, Region
from apps.projects.models import Bundle, Goal, ServiceProject, ServiceRecord
from apps.resources.models import Fund, ServiceCenter
from apps.talent.models import Enrollment, Expert, Rotation, TrainingCourse, TrainingSession
from apps.venues.models import Booking, Room, Venue

CHENGDONG, CHENGZHONG = "630102", "630103"


@dataclass(frozen=True)
class Route:
    route: str
    name: str
    callback: object
    groups: tuple[str, ...]
    regex: str = ""

    @property
    def door(self) -> str:
        if self.route.startswith("admin/"):
            return "admin"
        return "api" if self.route.startswith("api/") else "page"

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def actions(self) -> dict[str, str]:
        """HTTP method → viewset action of a DRF router route ({} for other views)."""
        return getattr(self.callback, "actions", None) or {}

    @property
    def id_groups(self) -> tuple[str, ...]:
        return tuple(group for group in self.groups if group == "pk" or group.endswith("_pk") or group == "object_id")

    def url(self, **values) -> str:
        if self.name and not self.name.endswith("None"):
            return reverse(self.name, kwargs={group: values[group] for group in self.groups})
        # Unnamed patterns (the admin's old-style redirects and catch-all): fill the route text.
        text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), self.route)
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), text)
        return "/" + text.replace("^", "").replace("$", "").replace("\\", "")

    def __str__(self) -> str:
        return self.route


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, entry, namespace


def all_routes() -> list[Route]:
    """Every view of the site, the admin and the API, once: DRF's `.json` suffix twins are the same view."""
    routes = []
    for route, pattern, namespace in _walk(get_resolver()):
        groups = tuple(pattern.pattern.regex.groupindex)
        if "format" in groups:
            continue
        routes.append(
            Route(
                route=route,
                name=f"{namespace}{pattern.name}",
                callback=pattern.callback,
                groups=groups,
                regex=pattern.pattern.regex.pattern,
            )
        )
    return routes


# Which row an id names --------------------------------------------------------------------------

# Staff pages: the route prefix ending at an id → the model, and for a second id the attribute of
# the inner row that gives the outer one (a registration's activity).
PAGE_IDS: dict[str, tuple[type[Model], dict[str, str]]] = {
    "people/<int:pk>/": (Person, {"pk": "pk"}),
    "memberships/<int:pk>/": (Membership, {"pk": "pk"}),
    "venues/<int:pk>/": (Venue, {"pk": "pk"}),
    "rooms/<int:pk>/": (Room, {"pk": "pk"}),
    "bookings/<int:pk>/": (Booking, {"pk": "pk"}),
    "centers/<int:pk>/": (ServiceCenter, {"pk": "pk"}),
    "funds/<int:pk>/": (Fund, {"pk": "pk"}),
    "activities/<int:pk>/": (Activity, {"pk": "pk"}),
    "activities/<int:pk>/registrations/<int:registration_pk>/": (
        Registration,
        {"pk": "activity_id", "registration_pk": "pk"},
    ),
    "activities/<int:pk>/volunteer-records/<int:record_pk>/": (
        VolunteerRecord,
        {"pk": "activity_id", "record_pk": "pk"},
    ),
    "projects/<int:pk>/": (ServiceProject, {"pk": "pk"}),
    "projects/<int:pk>/records/<int:record_pk>/": (ServiceRecord, {"pk": "project_id", "record_pk": "pk"}),
    "projects/<int:pk>/goals/<int:goal_pk>/": (Goal, {"pk": "project_id", "goal_pk": "pk"}),
    "bundles/<int:pk>/": (Bundle, {"pk": "pk"}),
    "bundles/<int:pk>/projects/<int:project_pk>/": (ServiceProject, {"pk": "bundle_id", "project_pk": "pk"}),
    "bundles/<int:pk>/goals/<int:goal_pk>/": (Goal, {"pk": "bundle_id", "goal_pk": "pk"}),
    "talent/courses/<int:pk>/": (TrainingCourse, {"pk": "pk"}),
    "talent/courses/<int:pk>/sessions/<int:session_pk>/": (TrainingSession, {"pk": "course_id", "session_pk": "pk"}),
    "talent/courses/<int:pk>/enrollments/<int:enrollment_pk>/": (
        Enrollment,
        {"pk": "course_id", "enrollment_pk": "pk"},
    ),
    "talent/sessions/<int:pk>/": (TrainingSession, {"pk": "pk"}),
    "talent/cadres/<int:pk>/": (Person, {"pk": "pk"}),
    "talent/rotations/<int:pk>/": (Rotation, {"pk": "pk"}),
    "talent/experts/<int:pk>/": (Expert, {"pk": "pk"}),
    "evaluations/<int:pk>/": (EvaluationScheme, {"pk": "pk"}),
    "evaluations/indicators/<int:pk>/": (Indicator, {"pk": "pk"}),
    "evaluations/results/<int:pk>/": (Evaluation, {"pk": "pk"}),
    "evaluations/scores/<int:pk>/": (Score, {"pk": "pk"}),
    "regions/<int:pk>/": (Region, {"pk": "pk"}),
    "organizations/<int:pk>/": (Organization, {"pk": "pk"}),
    "host-units/<int:pk>/": (HostUnit, {"pk": "pk"}),
    "organizations/meetings/<int:pk>/": (Meeting, {"pk": "pk"}),
    "organizations/decisions/<int:pk>/": (Decision, {"pk": "pk"}),
    "organizations/follow-ups/<int:pk>/": (FollowUp, {"pk": "pk"}),
    "exports/<int:pk>/": (ExportJob, {"pk": "pk"}),
}

# API views that are not scoped viewsets (their model is not their selector's).
API_IDS: dict[str, tuple[type[Model], dict[str, str]]] = {
    "api/v1/people/<int:pk>/record/": (Person, {"pk": "pk"}),
}


def id_model(route: Route) -> tuple[type[Model], dict[str, str]] | None:
    """The model an id route names and how to fill each id from one of its rows, or None if unknown."""
    if route.door == "page":
        prefixes = [prefix for prefix in PAGE_IDS if route.route.startswith(prefix)]
        # The longest prefix naming every id of the route.
        for prefix in sorted(prefixes, key=len, reverse=True):
            model, fill = PAGE_IDS[prefix]
            if set(fill) == set(route.id_groups):
                return model, fill
        return None
    if route.route in API_IDS:
        return API_IDS[route.route]
    selector = getattr(route.view_class, "selector", None)
    if selector is None:
        return None
    return selector(user=None).model, {"pk": "pk"}


# Which rows belong to 城东区 ------------------------------------------------------------------

# Models that do not declare their place on the tree reach it through a parent.
PARENTS: dict[type[Model], tuple[str, ...]] = {
    Decision: ("meeting",),
    Goal: ("project", "bundle"),
}


def _region_lookups(model: type[Model]) -> tuple[str, ...]:
    declared = getattr(model, "scope_region_path", None)
    return (declared,) if isinstance(declared, str) else tuple(declared or ())


def _under(lookups: tuple[str, ...], path: str) -> Q:
    q = Q(pk__in=[])
    for lookup in lookups:
        q |= Q(**{f"{lookup}__startswith": path})
    return q


def chengdong_rows(model: type[Model]) -> QuerySet:
    """Rows tied to 城东区 and to nothing in 城中区, judged from the tree itself — not from the selectors
    under test, so a selector that leaks cannot hide its leak by leaving its rows out of the pick."""
    east, middle = (Region.objects.get(code=code).path for code in (CHENGDONG, CHENGZHONG))
    if model is ExportJob:
        return ExportJob.objects.filter(requested_by__username="chengdong_staff")
    if model in PARENTS:
        q = Q(pk__in=[])
        for field in PARENTS[model]:
            parent = model._meta.get_field(field).related_model
            q |= Q(**{f"{field}__in": chengdong_rows(parent).values("pk")})
        return model.objects.filter(q).order_by("pk")
    lookups = _region_lookups(model)
    if not lookups:
        raise LookupError(f"{model._meta.label}: no region lookup and no parent in tests/security/routes.PARENTS")
    return model.objects.filter(_under(lookups, east)).exclude(_under(lookups, middle)).distinct().order_by("pk")


def is_reference(model: type[Model]) -> bool:
    """Reference data every signed-in user reads (federations, policy standards …): nothing to scope."""
    return model not in PARENTS and model is not ExportJob and not _region_lookups(model)
