"""Scenario 5, the cost of scoping: the person and membership lists of the API as the county staff
member of 城东区 (`scoped()`: the scope read, the OR of the model's region and organization paths, the
django-guardian grants) against the very same rows fetched with no scoping at all: the same viewset,
serializer and cursor page for the same user, its queryset the platform's (unscoped) filtered on the
same paths by hand.
In-process through DRF (no HTTP), interleaved, on the 1,000,000-person database. Targets: ≤ 1.2×,
and not one query more."""

from __future__ import annotations

from bench.suite import databases
from bench.suite.harness import Comparison, Scenario, at_most, interleave, median, timed
from bench.suite.scenarios.common import arguments, runs, setup_django

TITLE = "范围限定的代价：县级人员看本县的人员与会员关系 / 不限定范围取同样的行"


def same_rows(model, region_path: str):
    """The rows the county's scope opens, by hand: each of the model's region paths under the county
    (no organization roles, no grants, as for the county persona)."""
    from django.db.models import Q

    lookups = model.scope_region_path
    lookups = (lookups,) if isinstance(lookups, str) else lookups
    q = Q(pk__in=[])
    for lookup in lookups:
        q |= Q(**{f"{lookup}__startswith": region_path})
    return q


def main() -> None:
    args = arguments(__doc__)
    rounds = runs(args, 31, 7)
    setup_django(databases.LARGE)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIRequestFactory, force_authenticate

    from apps.members.api.viewsets import MembershipViewSet, PersonViewSet
    from apps.organizations.models import Region
    from apps.organizations.scoping import PLATFORM, forget_scope

    users = get_user_model().objects
    county = users.get(username=databases.COUNTY)
    region_path = Region.objects.get(code=databases.COUNTY_CODE).path
    factory = APIRequestFactory()

    def call(view, user, path):
        forget_scope(user)  # as in a real request: the scope is read once per request
        request = factory.get(path, {"page_size": 50})
        force_authenticate(request, user=user)
        response = view(request)
        response.render()
        return response

    with Scenario(5, TITLE) as scenario:
        for label, path, viewset in (
            ("人员", "/api/v1/people/", PersonViewSet),
            ("会员关系", "/api/v1/memberships/", MembershipViewSet),
        ):
            select = viewset.selector

            class Unscoped(viewset):
                # The platform's rows (no scope), narrowed to the county's by hand; the request is
                # still the county's, so serializing (masked ID numbers) costs the same on both sides.
                @staticmethod
                def selector(*, user, select=select):
                    rows = select(user=PLATFORM)
                    return rows.filter(same_rows(rows.model, region_path))

            scoped_view = viewset.as_view({"get": "list"})
            unscoped_view = Unscoped.as_view({"get": "list"})
            candidate, anchor = call(scoped_view, county, path), call(unscoped_view, county, path)
            ids = [row["id"] for row in candidate.data["results"]]
            scenario.check(
                f"{label}：两边是同样的行",
                ids == [row["id"] for row in anchor.data["results"]] and len(ids) == 50,
                f"第一页 {len(ids)} 行",
            )
            with CaptureQueriesContext(connection) as scoped_queries:
                call(scoped_view, county, path)
            with CaptureQueriesContext(connection) as unscoped_queries:
                call(unscoped_view, county, path)
            # The county's roles are read once per request (kept on the user); whether the unscoped
            # side reads them too depends on the endpoint's other checks. Past that read, the scope
            # is conditions in the same statements: no query more.
            scoped_reads, unscoped_reads = _scope_reads(scoped_queries), _scope_reads(unscoped_queries)
            scenario.check(
                f"{label}：范围限定不多一次查询",
                len(scoped_queries) - scoped_reads == len(unscoped_queries) - unscoped_reads and scoped_reads <= 1,
                f"限定 {len(scoped_queries)} 次（其中读范围 {scoped_reads} 次），"
                f"不限定 {len(unscoped_queries)} 次（其中读范围 {unscoped_reads} 次）",
            )
            anchors, candidates = interleave(
                lambda view=unscoped_view, path=path: timed(lambda: call(view, county, path)),
                lambda view=scoped_view, path=path: timed(lambda: call(view, county, path)),
                rounds,
            )
            scenario.compare(
                Comparison(
                    f"{label}列表（每页 50 条）",
                    "不限定范围",
                    "城东区范围",
                    median(anchors) * 1000,
                    median(candidates) * 1000,
                    "ms",
                    at_most(1.2),
                    extra={"scoped_sql": scoped_queries.captured_queries[-1]["sql"][:2000]},
                )
            )


def _scope_reads(captured) -> int:
    return sum("organizations_roleassignment" in query["sql"] for query in captured.captured_queries)


if __name__ == "__main__":
    main()
