"""Joint evaluation (联评联考) in the admin: schemes drafted with their indicators and run by actions,
manual scores given on their page, all through the services; scoped lists; the ranking exported."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.insights import services
from apps.insights.models import (
    Evaluation,
    EvaluationScheme,
    EvaluationSubject,
    Indicator,
    IndicatorMethod,
    SchemeStatus,
    Score,
)
from apps.insights.services import EVIDENCE_REQUIRED, WEIGHT_OVER
from tests.factories import region
from tests.insights.test_evaluation import city_scheme  # noqa: F401 — 西宁's published scheme
from tests.insights.test_scorecard import TODAY, xining  # noqa: F401 — the hand-made 西宁

pytestmark = pytest.mark.django_db

XLSX = "0"
NEXT_YEAR = TODAY.year + 1
INDICATORS = ["联建单位", "组织覆盖率", "服务项目", "人均参训", "群众满意度"]


def url(model: str, page: str = "changelist", *args) -> str:
    return reverse(f"admin:insights_{model}_{page}", args=args)


def change_page(obj) -> str:
    return url(obj._meta.model_name, "change", obj.pk)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def listed(client, model: str, **params) -> list:
    response = client.get(url(model), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def draft_scheme(name: str, *weights: int, region_code: str = "630100") -> EvaluationScheme:
    """A draft over the region's children with manual indicators of the given weights."""
    scheme = services.scheme_create(
        year=NEXT_YEAR, name=name, region=region(region_code), subject=EvaluationSubject.REGION
    )
    for number, weight in enumerate(weights, start=1):
        services.indicator_add(
            scheme=scheme, common="organizations", name=f"指标{number}", weight=Decimal(weight), method="manual"
        )
    return scheme


@pytest.fixture
def scheme(request) -> EvaluationScheme:
    """西宁's published scheme of test_evaluation.py: five indicators worth 100 over seven counties."""
    return request.getfixturevalue("city_scheme")


@pytest.fixture
def draft(province_admin):
    return draft_scheme("下年度联评联考", 60, 40)


def score_of(scheme, region_name: str, indicator: str) -> Score:
    return Score.objects.get(evaluation__scheme=scheme, evaluation__region__name=region_name, indicator__name=indicator)


def inline(*rows: dict, initial: int = 0) -> dict:
    """The indicators' formset as the change form posts it."""
    data = {
        "indicators-TOTAL_FORMS": str(len(rows)),
        "indicators-INITIAL_FORMS": str(initial),
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"indicators-{index}-{key}": value for key, value in row.items()})
    return data


def existing(indicator: Indicator, **changes) -> dict:
    row = {
        "id": indicator.pk,
        "scheme": indicator.scheme_id,
        "common": indicator.common,
        "name": indicator.name,
        "weight": str(indicator.weight),
        "method": indicator.method,
        "formula": indicator.formula,
        "target": "" if indicator.target is None else str(indicator.target),
        "guidance": indicator.guidance,
        "position": indicator.position,
    }
    return {**row, **changes}


def new_indicator(name: str, weight: int, formula: str = "", target: str = "", **extra) -> dict:
    method = IndicatorMethod.FORMULA if formula else IndicatorMethod.MANUAL
    row = {"common": "organizations", "name": name, "weight": str(weight), "method": method}
    return {**row, "formula": formula, "target": target, "guidance": "", "position": "", **extra}


# Pages ------------------------------------------------------------------------------------------


def test_every_page_renders_for_the_provincial_admin(client, province_admin, scheme):
    client.force_login(province_admin)
    east = Evaluation.objects.get(scheme=scheme, region__name="城东区")

    for model in ("evaluationscheme", "evaluation", "score"):
        assert client.get(url(model)).status_code == 200
    assert client.get(url("evaluationscheme", "add")).status_code == 200
    assert client.get(change_page(scheme)).status_code == 200
    page = client.get(change_page(east)).content.decode()
    assert "参训人次（<code>trainee_times</code>）：6 人次" in page  # the figure behind 人均参训
    assert client.get(change_page(score_of(scheme, "城东区", "群众满意度"))).status_code == 200
    assert "各指标得分（每个指标一列）" in client.get(url("evaluation", "export")).content.decode()


def test_the_lists_are_searched_and_filtered(client, province_admin, scheme, draft):
    elsewhere = draft_scheme("海东市联评联考", 100, region_code="630200")
    client.force_login(province_admin)

    assert listed(client, "evaluationscheme", q="海东") == [elsewhere]
    assert listed(client, "evaluationscheme", status=SchemeStatus.PUBLISHED) == [scheme]
    assert set(listed(client, "evaluationscheme", year=NEXT_YEAR)) == {draft, elsewhere}
    assert [row.subject_name for row in listed(client, "evaluation", q="城中")] == ["城中区"]
    assert len(listed(client, "evaluation", year=TODAY.year)) == 7 and not listed(client, "evaluation", year=NEXT_YEAR)


def test_the_scheme_page_lists_the_figure_codes_a_formula_may_use(client, province_admin, scheme):
    client.force_login(province_admin)

    page = client.get(change_page(scheme)).content.decode()

    assert "<code>trainee_times</code>" in page and "参训人次（人次）" in page
    assert "<code>coverage_share</code>" in page and "组织覆盖率（%）" in page
    add_page = client.get(url("evaluationscheme", "add")).content.decode()
    assert "<code>venues</code>" in add_page and "仅考评区划时可用" in add_page


# Schemes and indicators -------------------------------------------------------------------------


def scheme_form(**changes) -> dict:
    return {
        "year": NEXT_YEAR,
        "name": "西宁市群团工作联评联考",
        "region": region("630100").pk,
        "subject": EvaluationSubject.REGION,
        "organization_level": "",
        "notes": "",
        **changes,
    }


def kept(scheme) -> dict:
    """A draft's own fields as its change form posts them back."""
    return {"year": scheme.year, "name": scheme.name, "notes": scheme.notes}


def test_a_drafts_name_is_corrected_through_the_service(client, province_admin, draft):
    first, second = draft.indicators.order_by("position")
    client.force_login(province_admin)
    rows = inline(existing(first), existing(second), initial=2)

    response = client.post(change_page(draft), {**kept(draft), "name": "西宁市联评联考（修订）", **rows})

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert draft.name == "西宁市联评联考（修订）" and draft.indicators.count() == 2


def test_a_scheme_is_added_with_its_indicators_through_the_services(client, province_admin):
    client.force_login(province_admin)
    rows = inline(new_indicator("联建单位", 60, "joint_branches", "2"), new_indicator("群众满意度", 40))

    response = client.post(url("evaluationscheme", "add"), {**scheme_form(), **rows})

    assert response.status_code == 302
    scheme = EvaluationScheme.objects.get(name="西宁市群团工作联评联考")
    assert (scheme.status, scheme.created_by, scheme.year) == (SchemeStatus.DRAFT, province_admin, NEXT_YEAR)
    assert list(scheme.indicators.values_list("name", "weight", "method", "position")) == [
        ("联建单位", Decimal("60.00"), IndicatorMethod.FORMULA, 1),
        ("群众满意度", Decimal("40.00"), IndicatorMethod.MANUAL, 2),
    ]


def test_a_refused_indicator_shows_on_its_field_and_nothing_is_written(client, province_admin):
    client.force_login(province_admin)
    rows = inline(new_indicator("联建单位", 60, "joint_branches", "2"), new_indicator("满意度", 40, "no_such", "1"))

    response = client.post(url("evaluationscheme", "add"), {**scheme_form(), **rows})

    assert response.status_code == 200
    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert forms[0].errors == {}
    assert forms[1].errors["formula"] == ["公式中的“no_such”不是可用的指标代码。"]
    assert not EvaluationScheme.objects.exists() and not Indicator.objects.exists()


def test_a_scheme_the_service_refuses_shows_why_on_its_field(client, province_admin, draft):
    client.force_login(province_admin)

    response = client.post(url("evaluationscheme", "add"), scheme_form(name="下年度联评联考"))

    assert response.status_code == 200
    assert "已有名为“下年度联评联考”的方案" in str(response.context["adminform"].form.errors["name"])
    assert EvaluationScheme.objects.count() == 1


def test_points_move_between_a_drafts_indicators_without_tripping_the_ceiling(client, province_admin, draft):
    first, second = draft.indicators.order_by("position")
    client.force_login(province_admin)
    # Raised first, 60 → 70 would make 110 points for a moment; the lowered one goes first.
    rows = inline(existing(first, weight="70.00"), existing(second, weight="30.00"), initial=2)

    response = client.post(change_page(draft), {**kept(draft), **rows})

    assert response.status_code == 302
    assert list(draft.indicators.order_by("position").values_list("weight", flat=True)) == [70, 30]


def test_indicators_are_removed_and_added_and_a_refusal_takes_the_whole_submission_back(client, province_admin, draft):
    first, second = draft.indicators.order_by("position")
    client.force_login(province_admin)
    remove_second = existing(second, DELETE="on")

    refused = client.post(
        change_page(draft),
        {**kept(draft), **inline(existing(first), remove_second, new_indicator("群众满意度", 50), initial=2)},
    )
    response = client.post(
        change_page(draft),
        {**kept(draft), **inline(existing(first), remove_second, new_indicator("群众满意度", 40), initial=2)},
    )

    assert refused.status_code == 200
    assert refused.context["inline_admin_formsets"][0].formset.forms[2].errors["weight"] == [
        WEIGHT_OVER.format(used="60")
    ]
    assert response.status_code == 302
    assert list(draft.indicators.values_list("name", "position")) == [("指标1", 1), ("群众满意度", 2)]


def test_a_published_scheme_is_read_only(client, province_admin, scheme):
    indicator = scheme.indicators.get(name="群众满意度")
    client.force_login(province_admin)

    page = client.get(change_page(scheme))
    posted = client.post(change_page(scheme), inline(existing(indicator, weight="10.00"), initial=5))

    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert 'name="indicators-0-weight"' not in page.content.decode()
    assert posted.status_code == 403
    assert Indicator.objects.get(pk=indicator.pk).weight == 20
    assert client.get(url("evaluationscheme", "delete", scheme.pk)).status_code == 403


# Actions ----------------------------------------------------------------------------------------


def act(client, name: str, *schemes) -> object:
    data = {"action": name, "_selected_action": [scheme.pk for scheme in schemes]}
    return client.post(url("evaluationscheme"), data, follow=True)


def test_the_publish_action_publishes_a_full_scheme_and_names_the_one_refused(client, province_admin, draft):
    short = draft_scheme("缺项方案", 60)
    client.force_login(province_admin)

    response = act(client, "publish_selected", draft, short)

    shown = messages_of(response)
    assert "已发布 1 个方案。" in shown
    assert f"“{NEXT_YEAR}年度缺项方案”未处理：各指标分值合计应为 100 分，目前为 60 分。" in shown
    draft.refresh_from_db(), short.refresh_from_db()
    assert (draft.status, short.status) == (SchemeStatus.PUBLISHED, SchemeStatus.DRAFT)
    assert draft.evaluations.count() == 7  # 西宁's seven counties


def test_recompute_close_and_copy_go_through_their_services(client, province_admin, scheme):
    client.force_login(province_admin)

    computed = messages_of(act(client, "compute_selected", scheme))
    closed = messages_of(act(client, "close_selected", scheme))
    copied = messages_of(act(client, "copy_selected", scheme))

    assert computed == ["已重新计算 1 个方案。"]
    assert closed == [f"“{scheme}”未处理：还有 7 项人工评分未完成，不能定档。"]
    assert copied == ["已将 1 个方案复制为下一年度的草拟方案。"]
    copy = EvaluationScheme.objects.get(year=TODAY.year + 1)
    assert copy.status == SchemeStatus.DRAFT and list(copy.indicators.values_list("name", flat=True)) == INDICATORS
    assert EvaluationScheme.objects.get(pk=scheme.pk).status == SchemeStatus.PUBLISHED


def test_only_a_draft_is_deleted(client, province_admin, draft, scheme):
    client.force_login(province_admin)

    refused = client.post(
        url("evaluationscheme"),
        {"action": "delete_selected", "_selected_action": [draft.pk, scheme.pk], "post": "yes"},
        follow=True,
    )
    assert any(f"未能删除“{scheme}”" in message for message in messages_of(refused))
    assert EvaluationScheme.objects.filter(pk__in=[draft.pk, scheme.pk]).count() == 2  # all or nothing

    response = client.post(url("evaluationscheme", "delete", draft.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not EvaluationScheme.objects.filter(pk=draft.pk).exists()
    assert not Indicator.objects.filter(scheme_id=draft.pk).exists()


# Manual scores ----------------------------------------------------------------------------------


def test_a_manual_score_is_given_on_its_page_with_its_evidence(client, province_admin, scheme, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    score = score_of(scheme, "城西区", "群众满意度")
    client.force_login(province_admin)
    report = SimpleUploadedFile("测评报告.pdf", b"%PDF-1.4 report", content_type="application/pdf")

    response = client.post(
        change_page(score), {"points": "19.5", "evidence": "第三方测评 97 分", "evidence_file": report}
    )

    assert response.status_code == 302
    score.refresh_from_db()
    assert (score.points, score.evidence, score.scored_by) == (Decimal("19.50"), "第三方测评 97 分", province_admin)
    assert score.evidence_file.name.startswith("evaluation/") and score.evidence_file.read() == b"%PDF-1.4 report"
    row = score.evaluation
    row.refresh_from_db()
    assert (row.total, row.rank, row.manual_pending) == (Decimal("19.50"), 3, 0)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"points": "21", "evidence": "测评"}, "points", "得分应在 0 至 20 分之间。"),
        ({"points": "", "evidence": "测评"}, "points", "得分应在 0 至 20 分之间。"),
        ({"points": "abc", "evidence": "测评"}, "points", None),
        ({"points": "18", "evidence": "  "}, "evidence", EVIDENCE_REQUIRED),
    ],
)
def test_a_bad_manual_score_shows_on_its_field_and_changes_nothing(
    client, province_admin, scheme, form, field, message
):
    score = score_of(scheme, "城西区", "群众满意度")
    client.force_login(province_admin)

    response = client.post(change_page(score), form)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and (message is None or errors[field] == [message])
    score.refresh_from_db()
    assert (score.points, score.evidence, score.scored_by) == (None, "", None)
    assert Evaluation.objects.get(pk=score.evaluation_id).manual_pending == 1


def test_a_formula_score_is_read_with_its_figures_and_never_edited(client, province_admin, scheme):
    score = score_of(scheme, "城东区", "人均参训")
    client.force_login(province_admin)

    page = client.get(change_page(score))
    posted = client.post(change_page(score), {"points": "1", "evidence": "改"})

    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert "参训人次（<code>trainee_times</code>）：6 人次" in page.content.decode()
    assert posted.status_code == 403
    assert Score.objects.get(pk=score.pk).points == 20


def test_the_score_list_finds_the_manual_scores_still_to_give(client, province_admin, scheme):
    given = score_of(scheme, "城西区", "群众满意度")
    services.score_manual(actor=province_admin, score=given, points=10, evidence="测评")
    client.force_login(province_admin)

    pending = listed(client, "score", scoring="pending")

    assert len(pending) == 6 and given not in pending
    assert all(score.indicator.name == "群众满意度" for score in pending)
    assert listed(client, "score", scoring="given") == [given]
    assert len(listed(client, "score", scoring="formula")) == 28


# Scope ------------------------------------------------------------------------------------------


def test_a_county_sees_its_own_row_of_the_citys_ranking_and_nothing_of_its_neighbours(client, county_staff, scheme):
    elsewhere = draft_scheme("海东市联评联考", 100, region_code="630200")
    own = Evaluation.objects.get(scheme=scheme, region__name="城东区")
    neighbour = Evaluation.objects.get(scheme=scheme, region__name="城中区")
    client.force_login(county_staff)

    assert listed(client, "evaluationscheme") == [scheme]
    assert listed(client, "evaluation") == [own]
    assert {score.evaluation for score in listed(client, "score")} == {own}
    assert client.get(change_page(own)).status_code == 200
    assert client.get(change_page(neighbour)).status_code == 404
    assert client.get(change_page(score_of(scheme, "城中区", "群众满意度"))).status_code == 404
    assert client.get(change_page(elsewhere)).status_code == 404


def test_a_county_reads_its_own_manual_score_but_never_gives_it(client, county_staff, scheme):
    score = score_of(scheme, "城东区", "群众满意度")
    client.force_login(county_staff)

    page = client.get(change_page(score))
    posted = client.post(change_page(score), {"points": "20", "evidence": "自评"})

    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert posted.status_code == 403
    assert Score.objects.get(pk=score.pk).points is None


def test_a_county_cannot_run_the_citys_scheme(client, county_staff, scheme):
    client.force_login(county_staff)

    shown = messages_of(act(client, "compute_selected", scheme))

    assert len(shown) == 1 and shown[0].startswith(f"“{scheme}”未处理：")


# Query counts -----------------------------------------------------------------------------------


def _published_schemes(numbers: range, actor) -> None:
    """A published scheme over 西宁's seven counties per number, one manual score given in each."""
    for number in numbers:
        scheme = draft_scheme(f"方案{number}", 100)
        services.scheme_publish(actor=actor, scheme=scheme)
        first = Score.objects.filter(evaluation__scheme=scheme).order_by("id").first()
        services.score_manual(actor=actor, score=first, points=50, evidence="测评")


@pytest.mark.parametrize(("model", "per_scheme"), [("evaluationscheme", 1), ("evaluation", 7), ("score", 7)])
def test_each_changelist_costs_the_same_queries_for_few_and_many_rows(
    client, province_admin, django_assert_num_queries, model, per_scheme
):
    client.force_login(province_admin)
    _published_schemes(range(2), province_admin)
    client.get(url(model))  # warm the per-process caches (content types, site)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(model)).status_code == 200

    _published_schemes(range(2, 8), province_admin)

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url(model))
    assert len(response.context["cl"].result_list) == 8 * per_scheme


# Export -----------------------------------------------------------------------------------------


def exported_rows(response) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers, *rows = [[cell.value for cell in row] for row in sheet.rows]
    return [dict(zip(headers, row, strict=True)) for row in rows]


def export(client, query: str = "") -> list[dict]:
    response = client.post(url("evaluation", "export") + query, {"format": XLSX, "resource": "0"})
    assert response.status_code == 200
    return exported_rows(response)


def test_a_ranking_exports_a_row_per_evaluation_and_a_column_per_indicator(client, province_admin, scheme):
    draft_scheme("未发布的方案", 100)  # a draft ranks nobody
    client.force_login(province_admin)

    rows = export(client, f"?scheme__id__exact={scheme.pk}")

    assert len(rows) == 7
    assert list(rows[0])[-len(INDICATORS) :] == INDICATORS
    east, middle = rows[0], rows[1]
    assert (east["考评对象"], east["区划代码"], east["名次"], east["总分"]) == ("城东区", "630102", 1, 70)
    assert [east[name] for name in INDICATORS] == [10, 20, 20, 20, None]  # 满意度 not given yet
    assert (middle["考评对象"], middle["名次"], middle["服务项目"]) == ("城中区", 2, 10)
    assert {row["方案"] for row in rows} == {"群团工作联评联考"} and east["待人工评分项"] == 1


def test_a_county_exports_only_its_own_row(client, county_staff, scheme):
    client.force_login(county_staff)

    (row,) = export(client)

    assert (row["考评对象"], row["名次"], row["总分"]) == ("城东区", 1, 70)
