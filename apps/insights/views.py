"""Staff pages of apps/insights: 一人一档, one person's whole record across the apps.

The selector gathers the sections, one scoped query each, and answers 404 for a person
outside the viewer's scope; the page only lays them out as cards and as one timeline.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.access import signed_in
from apps.insights import selectors


@signed_in
def person_record(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.person_record(user=request.user, person_id=pk)
    titles = {section.kind: section.title for section in record.sections}
    return render(
        request,
        "insights/person_record.html",
        {
            "record": record,
            "person": record.person,
            "timeline": [(item, titles[item.kind]) for item in record.timeline],
        },
    )
