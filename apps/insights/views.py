"""Staff pages of apps/insights: 一人一档 (one person's whole record across the apps) and the 六共
scorecard dashboard of a region.

The selector gathers the sections, one scoped query each, and answers 404 for a person
outside the viewer's scope; the page only lays them out as cards and as one timeline.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from apps.core.access import signed_in
from apps.core.spreadsheets import neutralize
from apps.insights import scorecard_cache, selectors
from apps.insights.scorecard import (
    BY_CODE,
    COMMONS,
    FIGURES,
    default_region,
    scorecard_region,
)
from apps.organizations.models import Region, RegionLevel
from apps.organizations.scoping import scoped


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


# The 六共 scorecard -------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def _scorecard_xlsx(card) -> HttpResponse:
    """Every figure of the region, its own level and each child region, one row each."""
    book = Workbook()
    sheet = book.active
    sheet.title = "六共指标"
    sheet.append(["区划", *[f"{f.label}（{f.unit}）" for f in FIGURES]])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for area in [card.total, card.own_level, *card.children]:
        sheet.append([neutralize(area.label), *[_cell(area.value(f.code)) for f in FIGURES]])
    sheet.freeze_panes = "B2"
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"六共指标-{card.region.name}-{card.period.start:%Y}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    book.save(response)
    return response


def _cell(value):
    return float(value) if isinstance(value, Decimal) else value


@signed_in
def scorecard_dashboard(request: HttpRequest) -> HttpResponse:
    """Six cards, the child regions side by side (table, chart and, for the province, a map of its
    市州), drill-down by clicking a child."""
    user = request.user
    if "region" in request.GET:
        try:
            region = scorecard_region(user, int(request.GET["region"]))
        except ValueError:
            raise Http404 from None
    else:
        region = default_region(user)
        if region is None:
            raise Http404("您没有可查看的区划。")
    year = _year(request)
    card, trend = scorecard_cache.served(user=user, region=region, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    if request.GET.get("format") == "xlsx":
        return _scorecard_xlsx(card)
    # The breadcrumb: the region's ancestors the viewer may open, then the region.
    step = Region.steplen
    ancestors = [region.path[:end] for end in range(step, len(region.path), step)]
    trail = [*scoped(Region.objects.filter(path__in=ancestors), user).order_by("depth"), region]
    commons = [
        {"code": code, "title": title, "figures": [(f, card.total.value(f.code)) for f in FIGURES if f.common == code]}
        for code, title in COMMONS
    ]
    table_figures = [f for f in FIGURES if f.headline or f.code in TABLE_EXTRA]
    trend_chart = {
        "months": trend.labels(),
        "series": [{"name": BY_CODE[code].label, "values": values} for code, values in trend.series.items()],
    }
    chart = {
        "regions": [area.label for area in card.children],
        "figures": [
            {
                "code": f.code,
                "label": f"{f.label}（{f.unit}）",
                "values": [_cell(a.value(f.code)) for a in card.children],
            }
            for f in table_figures
        ],
    }
    # The vendored map draws the province's 市州 only, so there is no map below the province.
    # Its features carry GB/T 2260 codes; the page matches them to these children by code.
    region_map = None
    if region.level == RegionLevel.PROVINCE and card.children:
        region_map = {
            "map": QINGHAI_MAP,
            "areas": [{"code": a.region.code, "id": a.region.pk, "label": a.label} for a in card.children],
        }
    rollup = scorecard_cache.served_rollup(user=user, region=region)
    federations = [federation.code for federation in rollup.federations]
    return render(
        request,
        "insights/scorecard.html",
        {
            "card": card,
            "region": region,
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
            "trail": trail,
            "commons": commons,
            "table_figures": table_figures,
            "rows": [(area, [area.value(f.code) for f in table_figures]) for area in card.children],
            "own_row": [card.own_level.value(f.code) for f in table_figures],
            "total_row": [card.total.value(f.code) for f in table_figures],
            "chart": chart,
            "trend_chart": trend_chart,
            "region_map": region_map,
            "rollup": rollup,
            "rollup_rows": [
                (area, [area.members[code] for code in federations]) for area in [*rollup.children, rollup.own_level]
            ],
            "rollup_total": [rollup.total.members[code] for code in federations],
        },
    )


# The name static/vendor/qinghai-map/qinghai.js registers its map under.
QINGHAI_MAP = "青海"

# Beside each common's headline figure, the table and chart compare these.
TABLE_EXTRA = ("coverage_share", "co_use_share", "grassroots_share", "beneficiaries", "trainee_times")
