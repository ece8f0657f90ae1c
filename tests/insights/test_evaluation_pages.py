"""The staff pages of joint evaluation (联评联考) on the hand-made 西宁: the schemes in scope, drafting and
publishing one, the ranking (and its xlsx), an evaluation with the figures behind it, manual scores
from its page and from the queue — through the browser's door, with its scope, its Chinese errors
and a constant query count."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from apps.insights import services
from apps.insights.models import Evaluation, EvaluationScheme, Indicator, SchemeStatus, Score
from apps.insights.services import EVIDENCE_REQUIRED, MANUAL_PENDING, WEIGHTS_NOT_FULL, YEAR_RANGE
from apps.organizations.models import Role
from apps.organizations.services import role_assign
from tests.factories import UserFactory, region
from tests.insights.test_evaluation import _indicator, _scheme, city_scheme  # noqa: F401 - behind `published`
from tests.insights.test_scorecard import TODAY, xining  # noqa: F401 - the hand-made 西宁

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    return response.content.decode()


def _row(scheme, name: str) -> Evaluation:
    return Evaluation.objects.select_related("region").get(scheme=scheme, region__name=name)


def _manual(scheme, name: str) -> Score:
    return Score.objects.get(evaluation=_row(scheme, name), indicator__method="manual")


def _station_staff():
    user = UserFactory(username="station")
    role_assign(user=user, role=Role.STATION_STAFF, region=region("630102001000"))
    return user


@pytest.fixture
def published(city_scheme):  # noqa: F811
    """Five indicators worth 100 over 西宁's seven counties (test_evaluation's), published and computed."""
    return city_scheme


@pytest.fixture
def city(xining):  # noqa: F811
    """The hand-made 西宁 of the scorecard tests."""
    return xining


@pytest.fixture
def draft(province_admin, city):
    """西宁's draft: 60 of 100 points so far."""
    scheme = _scheme(province_admin, name="群团工作联评联考（试行）")
    _indicator(province_admin, scheme, "联建单位", 40, "joint_branches", 2)
    _indicator(province_admin, scheme, "人均参训", 20, "trainee_times / 3", 1, common="talent")
    return scheme


# The list and a new scheme --------------------------------------------------------------------------


def test_the_list_shows_the_schemes_in_scope_filtered_by_year_and_status(client, province_admin, published):
    client.force_login(province_admin)
    url = reverse("web-evaluation-list")

    page = _page(client.get(url))
    assert "群团工作联评联考" in page and 'id="scheme-create-link"' in page
    assert "共 1 个方案" in _page(client.get(url, {"year": TODAY.year, "status": "published"}))
    assert "共 0 个方案" in _page(client.get(url, {"status": "draft"}))
    # A year with no scheme is no choice: shown as such and ignored, not a 500.
    assert "已忽略此条件" in _page(client.get(url, {"year": 1999}))


def test_a_viewer_without_the_permission_sees_no_new_scheme_button_and_gets_403(client, city):
    client.force_login(_station_staff())
    assert 'id="scheme-create-link"' not in _page(client.get(reverse("web-evaluation-list")))
    assert client.get(reverse("web-evaluation-create")).status_code == 403


def test_the_nav_links_to_joint_evaluation(client, county_staff):
    client.force_login(county_staff)
    url = reverse("web-evaluation-list")
    assert f'<a class="nav-link" href="{url}">联评联考</a>' in _page(client.get(reverse("home")))
    page = _page(client.get(url))
    assert f'<a class="nav-link active" aria-current="page" href="{url}">联评联考</a>' in page
    assert '<a class="nav-link" href="/">组织共建</a>' in page


def test_the_new_scheme_form_offers_the_users_regions_and_the_ones_just_below(client, county_staff, province_admin):
    client.force_login(county_staff)
    page = _page(client.get(reverse("web-evaluation-create")))
    assert f'value="{TODAY.year}"' in page
    assert "城东区（县区）" in page and "东关大街街道" in page
    assert "城中区" not in page and "西宁市" not in page
    client.force_login(province_admin)
    page = _page(client.get(reverse("web-evaluation-create")))
    assert "青海省（省）" in page and "西宁市（市州）" in page and "城东区" not in page


def test_a_new_scheme_is_a_draft_on_its_own_page(client, province_admin, city):
    client.force_login(province_admin)
    data = {"year": TODAY.year, "name": "县级群团组织考评", "region": region("630100").pk}
    response = client.post(
        reverse("web-evaluation-create"), {**data, "subject": "organization", "organization_level": "county"}
    )
    scheme = EvaluationScheme.objects.get(name="县级群团组织考评")
    assert response.status_code == 302 and response.url == reverse("web-evaluation-scheme", args=[scheme.pk])
    assert scheme.status == SchemeStatus.DRAFT and scheme.created_by == province_admin
    page = _page(client.get(response.url))
    assert "西宁市内县级群团组织" in page and "请添加指标" in page
    assert 'id="publish-button"' in page and 'id="ranking-table"' not in page
    # An organization level left in the hidden field of a region scheme is not an error.
    response = client.post(
        reverse("web-evaluation-create"),
        {**data, "name": "区划考评", "subject": "region", "organization_level": "county"},
    )
    assert response.status_code == 302 and EvaluationScheme.objects.get(name="区划考评").organization_level == ""


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"year": 1999}, "year", YEAR_RANGE),
        ({"subject": "organization"}, "organization_level", "考评群团组织时请选择组织层级。"),
        ({"name": " "}, "name", "该字段是必填项。"),
        ({"region": "城中区"}, "region", "选择一个有效的选项"),
    ],
)
def test_bad_input_for_a_new_scheme_shows_the_chinese_error_and_creates_nothing(
    client, county_staff, fields, field, message
):
    client.force_login(county_staff)
    data = {"year": TODAY.year, "name": "街道考评", "region": region("630102").pk, "subject": "region", **fields}
    if data["region"] == "城中区":
        data["region"] = region("630103").pk  # a neighbour's county is no choice
    response = client.post(reverse("web-evaluation-create"), data)
    assert response.status_code == 400
    assert message in _page(response) and f'id="{field}-error"' in _page(response)
    assert not EvaluationScheme.objects.exists()


# Drafting ------------------------------------------------------------------------------------------------


def test_the_draft_shows_its_indicators_by_common_with_the_formulas_in_words(client, province_admin, draft):
    client.force_login(province_admin)
    page = _page(client.get(reverse("web-evaluation-scheme", args=[draft.pk])))
    talent = page[page.index('data-common="talent"') :]
    assert "人才共育" in talent and "参训人次 ÷ 3" in talent and "<code" in talent
    assert '分值合计 <strong class="text-danger">60</strong> / 100 分' in page
    # The figures a formula may use, with their labels and units, to write one.
    reference = page[page.index('id="figure-reference"') :]
    assert 'data-code="coverage_share"' in reference and "组织覆盖率" in reference and "（%）" in reference


def test_an_indicator_is_added_edited_and_removed_while_a_draft(client, province_admin, draft):
    client.force_login(province_admin)
    add = reverse("web-evaluation-indicator-add", args=[draft.pk])
    response = client.post(
        add,
        {
            "common": "projects",
            "name": "服务项目",
            "weight": "30",
            "method": "formula",
            "formula": "projects",
            "target": "2",
        },
    )
    indicator = Indicator.objects.get(scheme=draft, name="服务项目")
    assert response.status_code == 302 and response.url.endswith(f"#indicator-{indicator.pk}")
    edit = reverse("web-evaluation-indicator-edit", args=[indicator.pk])
    assert 'value="projects"' in _page(client.get(edit))
    response = client.post(
        edit, {"common": "projects", "name": "服务项目", "weight": "40", "method": "manual", "guidance": "看台账"}
    )
    indicator.refresh_from_db()
    assert response.status_code == 302 and (indicator.weight, indicator.method) == (40, "manual")
    response = client.post(reverse("web-evaluation-indicator-remove", args=[indicator.pk]))
    assert response.status_code == 302 and not Indicator.objects.filter(pk=indicator.pk).exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"formula": "no_such_figure"}, "formula", "公式中的“no_such_figure”不是可用的指标代码。"),
        ({"formula": "projects ** 2"}, "formula", "公式只支持 + - * / 四则运算。"),
        ({"weight": "50"}, "weight", "各指标分值合计不能超过 100 分（其他指标已有 60 分）。"),
        ({"weight": "很多"}, "weight", "输入一个数字。"),
        ({"target": ""}, "target", "请填写满分值（大于 0）。"),
        ({"method": "manual"}, "formula", "人工评分的指标不填计算公式和满分值。"),
        ({"name": "联建单位"}, None, "方案中已有名为“联建单位”的指标。"),
    ],
)
def test_a_refused_indicator_shows_the_chinese_error_and_changes_nothing(
    client, province_admin, draft, fields, field, message
):
    client.force_login(province_admin)
    data = {"common": "projects", "name": "服务项目", "weight": "20", "method": "formula", "formula": "projects"}
    response = client.post(reverse("web-evaluation-indicator-add", args=[draft.pk]), {**data, "target": "2", **fields})
    assert response.status_code == (409 if field is None else 400)
    page = _page(response)
    assert message in page and (field is None or f'id="{field}-error"' in page)
    assert draft.indicators.count() == 2


def test_publishing_needs_a_hundred_points_then_shows_the_ranking(client, province_admin, draft):
    client.force_login(province_admin)
    publish = reverse("web-evaluation-publish", args=[draft.pk])
    response = client.post(publish)
    assert response.status_code == 400 and WEIGHTS_NOT_FULL.format(total=60) in _page(response)
    assert EvaluationScheme.objects.get(pk=draft.pk).status == SchemeStatus.DRAFT
    _indicator(province_admin, draft, "群众满意度", 40)
    response = client.post(publish)
    assert response.status_code == 302
    page = _page(client.get(response.url))
    assert "7 个考评对象已按平台数据计算得分" in page and 'id="ranking-table"' in page
    assert 'id="publish-button"' not in page and 'id="indicator-form"' not in page
    assert client.post(publish).status_code == 409  # twice is a conflict, shown on the page


def test_a_draft_is_deleted_but_a_published_scheme_stays(client, province_admin, draft, published):
    client.force_login(province_admin)
    response = client.post(reverse("web-evaluation-delete", args=[draft.pk]))
    assert response.status_code == 302 and not EvaluationScheme.objects.filter(pk=draft.pk).exists()
    response = client.post(reverse("web-evaluation-delete", args=[published.pk]))
    assert response.status_code == 409 and "已发布，考评结果要存档，不能删除" in _page(response)
    assert EvaluationScheme.objects.filter(pk=published.pk).exists()


def test_next_years_scheme_is_copied_from_this_one(client, province_admin, published):
    client.force_login(province_admin)
    url = reverse("web-evaluation-copy", args=[published.pk])
    assert f'value="{TODAY.year + 1}"' in _page(client.get(url))
    response = client.post(url, {"year": TODAY.year + 1, "name": "下年度联评联考"})
    copy = EvaluationScheme.objects.get(name="下年度联评联考")
    assert response.status_code == 302 and copy.status == SchemeStatus.DRAFT and copy.indicators.count() == 5
    response = client.post(url, {"year": TODAY.year + 1, "name": "下年度联评联考"})
    assert response.status_code == 409 and "已有名为“下年度联评联考”的方案" in _page(response)
    assert EvaluationScheme.objects.count() == 2


# Scope ---------------------------------------------------------------------------------------------------


def test_a_county_sees_only_its_own_row_of_the_citys_ranking_and_runs_nothing(client, county_staff, published):
    client.force_login(county_staff)
    page = _page(client.get(reverse("web-evaluation-scheme", args=[published.pk])))
    ranking = page[page.index('id="ranking-table"') :]
    assert ranking.count("data-evaluation=") == 1 and "城东区" in ranking and "城中区" not in ranking
    for button in ("compute-button", "close-button", "copy-link", "pending-link"):
        assert f'id="{button}"' not in page
    for name in ("web-evaluation-compute", "web-evaluation-close", "web-evaluation-copy", "web-evaluation-pending"):
        assert client.post(reverse(name, args=[published.pk])).status_code == 403
    own = _manual(published, "城东区")
    assert client.post(reverse("web-evaluation-score", args=[own.pk]), {f"s{own.pk}-points": 20}).status_code == 403
    assert Score.objects.get(pk=own.pk).points is None


def test_another_countys_staff_get_404_on_the_evaluation_of_chengdong(
    client, county_staff, other_county_staff, published
):
    east = _row(published, "城东区")
    client.force_login(county_staff)
    assert client.get(reverse("web-evaluation-detail", args=[east.pk])).status_code == 200
    client.force_login(other_county_staff)
    assert client.get(reverse("web-evaluation-detail", args=[east.pk])).status_code == 404
    manual = _manual(published, "城东区")
    assert client.get(reverse("web-evaluation-evidence", args=[manual.pk])).status_code == 404


def test_a_countys_staff_get_404_on_the_citys_draft(client, county_staff, draft):
    client.force_login(county_staff)
    assert client.get(reverse("web-evaluation-scheme", args=[draft.pk])).status_code == 404
    indicator = draft.indicators.first()
    assert client.get(reverse("web-evaluation-indicator-edit", args=[indicator.pk])).status_code == 404


def test_the_pages_ask_a_stranger_to_sign_in(client, published):
    response = client.get(reverse("web-evaluation-scheme", args=[published.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# The ranking and an evaluation -------------------------------------------------------------------------


def test_the_ranking_shows_each_commons_subtotal_and_the_manual_scores_pending(client, province_admin, published):
    client.force_login(province_admin)
    page = _page(client.get(reverse("web-evaluation-scheme", args=[published.pk])))
    ranking = page[page.index('id="ranking-table"') :]
    assert ranking.count("data-evaluation=") == 7
    east = ranking[ranking.index(f'data-evaluation="{_row(published, "城东区").pk}"') :]
    east = east[: east.index("</tr>")]
    # 组织共建 30 of 60 (10 joint branches + 20 coverage; the survey not yet given), 服务共融 20, 人才共育 20.
    cells = [cell.split(">")[-1] for cell in east.split("</td>")[:-1]]
    assert cells[:5] == ["1", "70", "30", "20", "20"]
    assert "1 项" in east
    assert ranking.index("城东区") < ranking.index("城中区")
    assert 'id="compute-button"' in page and 'id="close-button"' in page and 'id="pending-link"' in page


def test_an_evaluation_shows_every_indicator_with_the_figures_behind_it(client, county_staff, published):
    client.force_login(county_staff)
    page = _page(client.get(reverse("web-evaluation-detail", args=[_row(published, "城东区").pk])))
    assert 'id="evaluation-total">70<' in page and "第 1 名" in page
    talent = page[page.index('data-indicator="人均参训"') :]
    talent = talent[: talent.index("</ul>")]
    assert "参训人次 ÷ 3" in talent and '参训人次 <span class="text-body">6 人次</span>' in talent
    assert '<strong class="fs-5">20</strong>' in talent
    survey = page[page.index('data-indicator="群众满意度"') :]
    assert "待评分" in survey[: survey.index("</li>")] and "按第三方测评打分" in survey
    assert "score-form-" not in page  # those evaluated never score themselves


def test_a_manual_score_from_the_evaluation_page_moves_the_ranking(
    client, province_admin, published, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(province_admin)
    west = _manual(published, "城西区")
    url = reverse("web-evaluation-score", args=[west.pk])
    prefix = f"s{west.pk}-"
    for data, message in (
        ({"points": "21", "evidence": "测评"}, "得分应在 0 至 20 分之间。"),
        ({"points": "18", "evidence": " "}, EVIDENCE_REQUIRED),
        ({"points": "", "evidence": "测评"}, "该字段是必填项。"),
    ):
        response = client.post(url, {prefix + name: value for name, value in data.items()})
        assert response.status_code == 400 and message in _page(response)
        assert Score.objects.get(pk=west.pk).points is None
    bad_file = SimpleUploadedFile("报告.html", b"<script>", content_type="text/html")
    response = client.post(
        url, {f"{prefix}points": "18", f"{prefix}evidence": "测评", f"{prefix}evidence_file": bad_file}
    )
    assert response.status_code == 400 and "佐证材料只能是" in _page(response)

    report = SimpleUploadedFile("测评报告.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    response = client.post(
        url, {f"{prefix}points": "18", f"{prefix}evidence": "第三方测评 90 分", f"{prefix}evidence_file": report}
    )
    assert response.status_code == 302 and response.url.endswith(f"#score-{west.pk}")
    row = _row(published, "城西区")
    assert (row.total, row.rank) == (Decimal("18.00"), 3)
    page = _page(client.get(response.url))
    assert "第三方测评 90 分" in page and "下载佐证材料" in page and "第 3 名" in page
    download = client.get(reverse("web-evaluation-evidence", args=[west.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 report"


def test_the_queue_lists_the_manual_scores_pending_and_scores_them_one_by_one(client, province_admin, published):
    client.force_login(province_admin)
    url = reverse("web-evaluation-pending", args=[published.pk])
    page = _page(client.get(url))
    assert "待评 7 项" in page and page.count('<input type="hidden" name="next" value="pending">') == 7
    middle = _manual(published, "城中区")
    prefix = f"s{middle.pk}-"
    score = reverse("web-evaluation-score", args=[middle.pk])
    response = client.post(score, {"next": "pending", f"{prefix}points": "-1", f"{prefix}evidence": "测评"})
    assert response.status_code == 400 and "得分应在 0 至 20 分之间。" in _page(response)
    assert 'name="next" value="pending"' in _page(response)  # back on the queue, the row's error shown
    response = client.post(score, {"next": "pending", f"{prefix}points": "20", f"{prefix}evidence": "测评 100 分"})
    assert response.status_code == 302 and response.url == url
    assert "待评 6 项" in _page(client.get(url))
    assert _row(published, "城中区").total == Decimal("40.00")


def test_recomputing_and_closing_the_year(client, province_admin, published):
    client.force_login(province_admin)
    response = client.post(reverse("web-evaluation-compute", args=[published.pk]))
    assert response.status_code == 302
    close = reverse("web-evaluation-close", args=[published.pk])
    response = client.post(close)
    assert response.status_code == 409 and MANUAL_PENDING.format(count=7) in _page(response)
    for score in Score.objects.filter(evaluation__scheme=published, indicator__method="manual"):
        services.score_manual(actor=province_admin, score=score, points=10, evidence="测评")
    assert client.post(close).status_code == 302
    page = _page(client.get(reverse("web-evaluation-scheme", args=[published.pk])))
    assert "已定档" in page and 'id="compute-button"' not in page and 'id="ranking-table"' in page
    assert client.post(reverse("web-evaluation-compute", args=[published.pk])).status_code == 409


def test_the_ranking_exports_to_xlsx_with_every_indicators_points(client, province_admin, county_staff, published):
    url = reverse("web-evaluation-scheme", args=[published.pk])
    client.force_login(province_admin)
    response = client.get(url, {"format": "xlsx"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("名次", "考评对象", "总分", "联建单位（20分）") and rows[0][-1] == "待人工评分"
    assert len(rows) == 8 and rows[1][:3] == (1, "城东区", 70)
    assert rows[1][3:] == (10, 20, 20, 20, None, 1)
    client.force_login(county_staff)  # the export holds what the page shows: its own row only
    rows = list(load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content)).active.values)
    assert [row[1] for row in rows[1:]] == ["城东区"]


def test_the_ranking_page_costs_the_same_queries_for_two_and_for_seven_rows(
    client, province_admin, published, django_assert_num_queries
):
    # 大柴旦 has two children, 西宁 seven: the same indicators over each, a manual score given in each.
    small = _scheme(province_admin, region=region("632857"), name="大柴旦考评")
    for indicator in published.indicators.all():
        fields = ("common", "name", "weight", "method", "formula", "target", "guidance")
        services.indicator_add(actor=province_admin, scheme=small, **{f: getattr(indicator, f) for f in fields})
    services.scheme_publish(actor=province_admin, scheme=small)
    for scheme in (small, published):
        given = Score.objects.filter(evaluation__scheme=scheme, indicator__method="manual").first()
        services.score_manual(actor=province_admin, score=given, points=5, evidence="测评")
    client.force_login(province_admin)
    client.get(reverse("web-evaluation-scheme", args=[small.pk]))  # warm the session
    with CaptureQueriesContext(connection) as two:
        page = _page(client.get(reverse("web-evaluation-scheme", args=[small.pk])))
    assert page.count("data-evaluation=") == 2
    with django_assert_num_queries(len(two.captured_queries)):
        page = _page(client.get(reverse("web-evaluation-scheme", args=[published.pk])))
    assert page.count("data-evaluation=") == 7


def test_an_organization_schemes_ranking_names_each_organization(client, province_admin, city):
    scheme = _scheme(province_admin, name="县级群团组织考评", subject="organization", organization_level="county")
    _indicator(province_admin, scheme, "牵头服务项目", 100, "projects", 1, common="projects")
    services.scheme_publish(actor=province_admin, scheme=scheme)
    client.force_login(province_admin)
    page = _page(client.get(reverse("web-evaluation-scheme", args=[scheme.pk])))
    ranking = page[page.index('id="ranking-table"') :]
    assert "西宁市城东区妇女联合会" in ranking and "西宁市城中区总工会" in ranking  # each led a project: tied first
    women = Evaluation.objects.get(scheme=scheme, organization__name="西宁市城东区妇女联合会")
    page = _page(client.get(reverse("web-evaluation-detail", args=[women.pk])))
    assert f"{women.organization.federation.name} · 城东区" in page and 'id="evaluation-total">100<' in page
    assert client.get(reverse("web-evaluation-scheme", args=[scheme.pk]), {"format": "xlsx"}).status_code == 200


def test_a_draft_has_no_ranking_to_export(client, province_admin, draft):
    client.force_login(province_admin)
    assert client.get(reverse("web-evaluation-scheme", args=[draft.pk]), {"format": "xlsx"}).status_code == 404


def test_a_score_sent_after_the_year_closed_says_why_and_changes_nothing(client, province_admin, published):
    client.force_login(province_admin)
    scores = list(Score.objects.filter(evaluation__scheme=published, indicator__method="manual"))
    for given in scores:
        services.score_manual(actor=province_admin, score=given, points=10, evidence="测评")
    services.scheme_close(actor=province_admin, scheme=published)
    prefix = f"s{scores[0].pk}-"
    response = client.post(
        reverse("web-evaluation-score", args=[scores[0].pk]), {f"{prefix}points": "20", f"{prefix}evidence": "重评"}
    )
    assert response.status_code == 409 and "方案尚未发布或已定档" in _page(response)
    assert Score.objects.get(pk=scores[0].pk).points == 10
