"""/api/v1/ joint evaluation (联评联考): a scheme drafted, published, scored, closed and copied through the
API; the ranking with the figures behind every score in a constant number of queries; scope (a county
sees its own row, never its neighbours'); bad input a Chinese 400 with nothing written, conflicts 409."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.insights import services
from apps.insights.api_evaluation.serializers import INDICATOR_STAYS
from apps.insights.models import EvaluationScheme, Indicator, IndicatorMethod, SchemeStatus, Score
from apps.insights.services import (
    ALREADY_PUBLISHED,
    EVIDENCE_REQUIRED,
    NOT_DRAFT,
    NOT_MANUAL,
    NOT_PUBLISHED,
    WEIGHTS_NOT_FULL,
    YEAR_RANGE,
)
from apps.organizations.models import Role
from apps.organizations.services import role_assign
from apps.organizations.services.checks import REGION_OUT_OF_SCOPE
from tests.factories import UserFactory, region, unit
from tests.insights import test_evaluation, test_scorecard
from tests.insights.test_scorecard import TODAY
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db

# The core's fixtures: the hand-made 西宁 and five indicators worth 100 published over its seven counties.
xining = test_scorecard.xining
city_scheme = test_evaluation.city_scheme

SCHEMES, INDICATORS, FIGURES = (
    "/api/v1/evaluation-schemes/",
    "/api/v1/evaluation-indicators/",
    "/api/v1/evaluation-figures/",
)
EVALUATIONS, SCORES = "/api/v1/evaluations/", "/api/v1/evaluation-scores/"
PASSWORD = "pass-for-tests-42"  # tests.factories.UserFactory


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ranking(client, scheme, **params) -> dict:
    response = client.get(EVALUATIONS, {"scheme": scheme.pk, **params})
    assert response.status_code == 200, response.content
    return response.json()


def by_name(body: dict) -> dict[str, dict]:
    return {row["subject"]["name"]: row for row in body["results"]}


def score_of(row: dict, indicator_name: str) -> dict:
    return next(score for score in row["scores"] if score["indicator_name"] == indicator_name)


def satisfaction(scheme, region_code: str) -> Score:
    return Score.objects.get(
        evaluation__scheme=scheme, evaluation__region__code=region_code, indicator__name="群众满意度"
    )


def indicator_body(scheme, name, weight, formula="", target=None, common="organizations", **extra) -> dict:
    method = IndicatorMethod.FORMULA if formula else IndicatorMethod.MANUAL
    body = {"scheme": scheme, "common": common, "name": name, "weight": weight, "method": method, **extra}
    if formula:
        body |= {"formula": formula, "target": target}
    return body


@pytest.fixture
def liaison(qinghai):
    """城东区总工会's liaison: sees 城东区's evaluations, may not score them (view permissions only)."""
    user = UserFactory(username="chengdong_union")
    role_assign(user=user, role=Role.FEDERATION_LIAISON, organization=unit("630102"))
    return user


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# Authentication ---------------------------------------------------------------------------


def test_a_county_token_opens_the_schemes_it_is_ranked_by_and_no_token_gets_401(county_staff, city_scheme):
    client = APIClient()
    assert client.get(SCHEMES).status_code == 401
    tokens = client.post("/api/v1/auth/token/", {"username": "chengdong_staff", "password": PASSWORD})
    assert tokens.status_code == 200, tokens.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    response = client.get(SCHEMES)
    assert response.status_code == 200, response.content
    assert [scheme["id"] for scheme in response.json()["results"]] == [city_scheme.pk]
    assert client.get(EVALUATIONS, {"scheme": city_scheme.pk}).json()["count"] == 1


# A scheme's year through the API -------------------------------------------------------------


def test_a_province_admin_drafts_publishes_and_copies_a_scheme(province_admin, xining):
    client = client_for(province_admin)
    created = client.post(
        SCHEMES,
        {"year": TODAY.year, "name": "群团工作联评联考", "region": region("630100").pk, "subject": "region"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    scheme = created.json()
    assert (scheme["status"], scheme["weight_total"], scheme["indicator_count"], scheme["indicators"]) == (
        "draft",
        "0.00",
        0,
        [],
    )
    assert (scheme["region_name"], scheme["created_by_name"]) == ("西宁市", str(province_admin))

    added = client.post(
        INDICATORS, indicator_body(scheme["id"], "人均参训", "60", "trainee_times / 3", "1", "talent"), format="json"
    )
    assert added.status_code == 201, added.json()
    assert added.json()["figures"] == [{"code": "trainee_times", "label": "参训人次", "unit": "人次"}]
    assert added.json()["position"] == 1
    refused = client.post(f"{SCHEMES}{scheme['id']}/publish/")
    assert refused.status_code == 400
    assert refused.json() == {"indicators": [WEIGHTS_NOT_FULL.format(total="60")]}

    manual = client.post(
        INDICATORS, indicator_body(scheme["id"], "群众满意度", "40", guidance="按第三方测评打分"), format="json"
    )
    assert manual.status_code == 201, manual.json()
    assert (manual.json()["formula"], manual.json()["target"], manual.json()["figures"]) == ("", None, [])
    detail = client.get(f"{SCHEMES}{scheme['id']}/").json()
    assert detail["weight_total"] == "100.00" and detail["indicator_count"] == 2
    assert [indicator["name"] for indicator in detail["indicators"]] == ["人均参训", "群众满意度"]

    published = client.post(f"{SCHEMES}{scheme['id']}/publish/")
    assert published.status_code == 200, published.json()
    assert (published.json()["status"], published.json()["evaluation_count"]) == ("published", 7)
    assert published.json()["published_at"] and published.json()["computed_at"]
    again = client.post(f"{SCHEMES}{scheme['id']}/publish/")
    assert again.status_code == 409 and again.json()["detail"] == ALREADY_PUBLISHED

    # Published: the indicators are frozen and the scheme is a record.
    frozen = client.post(INDICATORS, indicator_body(scheme["id"], "会议", "1", "meetings", "1"), format="json")
    assert frozen.status_code == 409 and frozen.json()["detail"] == NOT_DRAFT
    assert client.patch(f"{INDICATORS}{added.json()['id']}/", {"weight": "50"}, format="json").status_code == 409
    assert client.delete(f"{INDICATORS}{added.json()['id']}/").status_code == 409
    assert client.delete(f"{SCHEMES}{scheme['id']}/").status_code == 409
    assert Indicator.objects.filter(scheme_id=scheme["id"]).count() == 2

    copied = client.post(
        f"{SCHEMES}{scheme['id']}/copy/", {"year": TODAY.year + 1, "name": "下年度联评联考"}, format="json"
    )
    assert copied.status_code == 201, copied.json()
    assert (copied.json()["status"], copied.json()["year"], copied.json()["weight_total"]) == (
        "draft",
        TODAY.year + 1,
        "100.00",
    )
    assert [i["name"] for i in copied.json()["indicators"]] == ["人均参训", "群众满意度"]
    twice = client.post(
        f"{SCHEMES}{scheme['id']}/copy/", {"year": TODAY.year + 1, "name": "下年度联评联考"}, format="json"
    )
    assert twice.status_code == 409
    assert client.delete(f"{SCHEMES}{copied.json()['id']}/").status_code == 204
    assert not EvaluationScheme.objects.filter(pk=copied.json()["id"]).exists()


def test_a_draft_indicator_is_changed_and_removed_but_never_moved(province_admin, xining):
    client = client_for(province_admin)
    drafts = [
        services.scheme_create(
            actor=province_admin, year=TODAY.year, name=name, region=region("630100"), subject="region"
        )
        for name in ("甲方案", "乙方案")
    ]
    indicator = services.indicator_add(
        actor=province_admin,
        scheme=drafts[0],
        common="projects",
        name="服务项目",
        weight=Decimal(30),
        method=IndicatorMethod.FORMULA,
        formula="projects",
        target=Decimal(2),
    )
    changed = client.patch(f"{INDICATORS}{indicator.pk}/", {"weight": "35.5", "formula": "projects / 2"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["weight"], changed.json()["formula"]) == ("35.50", "projects / 2")
    moved = client.patch(f"{INDICATORS}{indicator.pk}/", {"scheme": drafts[1].pk}, format="json")
    assert moved.status_code == 400 and moved.json() == {"scheme": [INDICATOR_STAYS]}
    listed = client.get(INDICATORS, {"scheme": drafts[0].pk}).json()["results"]
    assert [row["id"] for row in listed] == [indicator.pk]
    assert client.get(INDICATORS, {"scheme": drafts[1].pk}).json()["results"] == []
    assert client.delete(f"{INDICATORS}{indicator.pk}/").status_code == 204
    assert not Indicator.objects.filter(pk=indicator.pk).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"year": 1999}, "year", YEAR_RANGE),
        ({"year": "明年"}, "year", None),
        ({"year": 10**30}, "year", None),
        ({"subject": "village"}, "subject", None),
        ({"name": "  "}, "name", None),
        ({"region": 10**30}, "region", None),
        ({"subject": "organization"}, "organization_level", None),
    ],
)
def test_a_bad_scheme_is_a_400_on_its_field_and_nothing_is_written(province_admin, xining, body, field, message):
    fields = {"year": TODAY.year, "name": "联评联考", "region": region("630100").pk, "subject": "region"}
    response = client_for(province_admin).post(SCHEMES, fields | body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    if message:
        assert response.json()[field] == [message]
    assert not EvaluationScheme.objects.exists()


def test_a_county_cannot_draft_a_scheme_for_the_city(county_staff, xining):
    fields = {"year": TODAY.year, "name": "联评联考", "region": region("630100").pk, "subject": "region"}
    response = client_for(county_staff).post(SCHEMES, fields, format="json")
    assert response.status_code == 400 and list(response.json()) == ["region"]
    assert not EvaluationScheme.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"formula": "__import__('os').system('id')"}, "formula", "只能由指标代码"),
        ({"formula": "projects ** 2"}, "formula", "四则运算"),
        ({"formula": "no_such_figure"}, "formula", "不是可用的指标代码"),
        ({"formula": "projects +" * 30}, "formula", ""),
        ({"weight": "很多"}, "weight", ""),
        ({"weight": "1e400"}, "weight", ""),
        ({"weight": "99999999"}, "weight", ""),
        ({"weight": "101"}, "weight", ""),
        ({"weight": "-5"}, "weight", ""),
        ({"target": "1" * 40}, "target", ""),
        ({"target": "0"}, "target", "满分值"),
        ({"method": "magic"}, "method", ""),
        ({"common": "everything"}, "common", ""),
        ({"scheme": 10**30}, "scheme", ""),
    ],
)
def test_a_bad_indicator_is_a_400_on_its_field_and_nothing_is_written(province_admin, xining, body, field, fragment):
    scheme = services.scheme_create(
        actor=province_admin, year=TODAY.year, name="联评联考", region=region("630100"), subject="region"
    )
    fields = indicator_body(scheme.pk, "服务项目", "20", "projects", "2") | body
    response = client_for(province_admin).post(INDICATORS, fields, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert fragment in response.json()[field][0]
    assert not Indicator.objects.exists()


def test_a_duplicate_indicator_name_is_a_409(province_admin, city_scheme):
    client = client_for(province_admin)
    copied = services.scheme_copy(actor=province_admin, scheme=city_scheme, year=TODAY.year + 1, name="下年度")
    indicator = copied.indicators.get(name="服务项目")
    assert client.patch(f"{INDICATORS}{indicator.pk}/", {"weight": "10"}, format="json").status_code == 200
    duplicate = client.post(INDICATORS, indicator_body(copied.pk, "服务项目", "10", "projects", "2"), format="json")
    assert duplicate.status_code == 409, duplicate.content
    assert copied.indicators.count() == 5


# Reading the schemes --------------------------------------------------------------------------


def test_schemes_filter_by_year_status_and_subject_and_check_their_input(province_admin, city_scheme):
    client = client_for(province_admin)
    draft = services.scheme_copy(actor=province_admin, scheme=city_scheme, year=TODAY.year + 1, name="下年度")

    def ids(**params):
        response = client.get(SCHEMES, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [draft.pk, city_scheme.pk]  # the newest year first
    assert ids(year=TODAY.year) == [city_scheme.pk]
    assert ids(status="draft") == [draft.pk]
    assert ids(subject="organization") == []
    assert ids(updated_since="2020-01-01T00:00:00+08:00") == [city_scheme.pk, draft.pk]  # by change time
    assert ids(updated_since=draft.updated_at.isoformat()) == []
    for params in ({"year": "明年"}, {"year": 10**30}, {"status": "done"}, {"updated_since": "昨天"}):
        response = client.get(SCHEMES, params)
        assert response.status_code == 400 and list(response.json()) == list(params), response.content

    detail = client.get(f"{SCHEMES}{city_scheme.pk}/").json()
    coverage = next(i for i in detail["indicators"] if i["name"] == "组织覆盖率")
    assert coverage["figures"] == [{"code": "coverage_share", "label": "组织覆盖率", "unit": "%"}]
    assert (detail["weight_total"], detail["evaluation_count"], detail["status"]) == ("100.00", 7, "published")


def test_the_scheme_list_runs_the_same_queries_for_one_scheme_or_three(province_admin, city_scheme):
    client = client_for(province_admin)
    client.get(SCHEMES)  # the scope, once per user

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(SCHEMES).status_code == 200
        return len(captured)

    one = queries()
    for year in (1, 2):
        services.scheme_copy(actor=province_admin, scheme=city_scheme, year=TODAY.year + year, name="后续年度")
    assert len(client.get(SCHEMES).json()["results"]) == 3
    assert queries() == one


def test_a_scheme_of_another_prefecture_is_404_to_a_county(county_staff, province_admin, xining):
    haidong = services.scheme_create(
        actor=province_admin, year=TODAY.year, name="海东联评联考", region=region("630200"), subject="region"
    )
    client = client_for(county_staff)
    assert client.get(f"{SCHEMES}{haidong.pk}/").status_code == 404
    assert client.get(SCHEMES).json()["results"] == []
    assert client.get(EVALUATIONS, {"scheme": haidong.pk}).status_code == 400  # as if it did not exist


# The ranking ---------------------------------------------------------------------------------


def test_the_ranking_shows_every_score_with_the_figures_behind_it(province_admin, city_scheme):
    body = ranking(client_for(province_admin), city_scheme)
    assert body["count"] == 7
    first = body["results"][0]
    assert first["subject"] == {"type": "region", "id": region("630102").pk, "name": "城东区"}
    assert (first["total"], first["rank"], first["manual_pending"]) == ("70.00", 1, 1)
    trainees = score_of(first, "人均参训")
    assert (trainees["value"], trainees["points"], trainees["weight"], trainees["common"]) == (
        "2.00",
        "20.00",
        "20.00",
        "talent",
    )
    assert trainees["figures"] == [{"code": "trainee_times", "label": "参训人次", "unit": "人次", "value": 6}]
    manual = score_of(first, "群众满意度")
    assert (manual["method"], manual["points"], manual["figures"], manual["evidence_file"]) == (
        "manual",
        None,
        [],
        None,
    )
    rows = by_name(body)
    assert rows["城中区"]["rank"] == 2 and rows["城西区"]["rank"] == 3
    assert score_of(rows["城西区"], "组织覆盖率")["value"] is None  # no firm to cover: no share at all


def test_the_ranking_runs_the_same_queries_for_two_rows_or_seven(province_admin, city_scheme):
    client = client_for(province_admin)
    ranking(client, city_scheme)

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(ranking(client, city_scheme, page_size=page_size)["results"]) == page_size
        return len(captured)

    assert queries(7) == queries(2)


def test_a_county_sees_its_own_row_of_the_city_ranking_and_nothing_of_its_neighbours(
    county_staff,
    province_admin,
    city_scheme,
):
    client = client_for(county_staff)
    body = ranking(client, city_scheme)
    assert (body["count"], [row["subject"]["name"] for row in body["results"]]) == (1, ["城东区"])
    assert body["results"][0]["rank"] == 1  # its place in the whole city
    neighbour = city_scheme.evaluations.get(region__code="630103")
    assert client.get(f"{EVALUATIONS}{neighbour.pk}/").status_code == 404
    own = city_scheme.evaluations.get(region__code="630102")
    assert client.get(f"{EVALUATIONS}{own.pk}/").json()["subject"]["name"] == "城东区"
    assert client.get(f"{SCORES}{satisfaction(city_scheme, '630103').pk}/").status_code == 404
    assert client.get(f"{SCHEMES}{city_scheme.pk}/").status_code == 200  # through its own row


def test_an_organization_ranking_names_each_unit_and_a_liaison_sees_only_its_own(province_admin, liaison, xining):
    scheme = services.scheme_create(
        actor=province_admin,
        year=TODAY.year,
        name="县级群团组织联评联考",
        region=region("630100"),
        subject="organization",
        organization_level="county",
    )
    for name, formula, common in (("服务项目", "projects", "projects"), ("交流干部", "rotations", "talent")):
        services.indicator_add(
            actor=province_admin,
            scheme=scheme,
            common=common,
            name=name,
            weight=Decimal(50),
            method=IndicatorMethod.FORMULA,
            formula=formula,
            target=Decimal(1),
        )
    services.scheme_publish(actor=province_admin, scheme=scheme)
    women = unit("630102", "women")  # leads 城东乙 and receives the exchange: full marks
    first = ranking(client_for(province_admin), scheme)["results"][0]
    assert first["subject"] == {"type": "organization", "id": women.pk, "name": women.name}
    assert (first["total"], first["rank"]) == ("100.00", 1)
    own = ranking(client_for(liaison), scheme)["results"]
    assert [row["subject"]["id"] for row in own] == [unit("630102").pk]


@pytest.mark.parametrize("params", [{}, {"scheme": "甲"}, {"scheme": 10**30}, {"scheme": 0}])
def test_the_ranking_needs_a_scheme_it_may_see(province_admin, city_scheme, params):
    response = client_for(province_admin).get(EVALUATIONS, params)
    assert response.status_code == 400 and list(response.json()) == ["scheme"], response.content


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999", "0"])
def test_an_evaluation_that_cannot_exist_is_a_404(province_admin, city_scheme, pk):
    assert client_for(province_admin).get(f"{EVALUATIONS}{pk}/").status_code == 404
    assert client_for(province_admin).get(f"{SCORES}{pk}/").status_code == 404


def test_recomputing_counts_new_work_and_keeps_manual_scores(province_admin, city_scheme):
    client = client_for(province_admin)
    score = satisfaction(city_scheme, "630103")
    assert client.patch(f"{SCORES}{score.pk}/", {"points": "20", "evidence": "测评"}, format="json").status_code == 200
    ProjectFactory(name="城中乙", lead=unit("630103", "women"), region=region("630103"))
    assert client.post(f"{SCHEMES}{city_scheme.pk}/compute/").status_code == 200
    middle = by_name(ranking(client, city_scheme))["城中区"]
    assert score_of(middle, "服务项目")["points"] == "20.00" and score_of(middle, "群众满意度")["points"] == "20.00"
    assert middle["total"] == "50.00"


# Manual scores ---------------------------------------------------------------------------------


def test_a_manual_score_with_its_evidence_file_moves_the_ranking(province_admin, county_staff, city_scheme, media):
    client = client_for(province_admin)
    score = satisfaction(city_scheme, "630104")  # 城西区, tied third with nothing
    upload = SimpleUploadedFile("测评报告.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    response = client.patch(
        f"{SCORES}{score.pk}/",
        {"points": "19.5", "evidence": "第三方测评 97 分", "evidence_file": upload},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["points"], data["evidence"], data["scored_by_name"]) == (
        "19.50",
        "第三方测评 97 分",
        str(province_admin),
    )
    assert data["scored_at"] and data["evidence_file"].endswith(f"{SCORES}{score.pk}/evidence/")
    rows = by_name(ranking(client, city_scheme))
    assert (rows["城西区"]["total"], rows["城西区"]["rank"], rows["城北区"]["rank"]) == ("19.50", 3, 4)

    download = client.get(f"{SCORES}{score.pk}/evidence/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 report"
    # 城东 sees its own row only: another county's evidence is as absent as its score.
    assert client_for(county_staff).get(f"{SCORES}{score.pk}/evidence/").status_code == 404

    # Only the evidence text changes; the points and the file stay.
    reworded = client.patch(f"{SCORES}{score.pk}/", {"evidence": "第三方测评 97 分（复核）"}, format="json")
    assert reworded.status_code == 200, reworded.content
    assert (reworded.json()["points"], reworded.json()["evidence_file"]) == ("19.50", data["evidence_file"])
    no_file = satisfaction(city_scheme, "630105")
    assert client.get(f"{SCORES}{no_file.pk}/evidence/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"points": "很好"}, "points", None),
        ({"points": "1e400"}, "points", None),
        ({"points": "NaN"}, "points", None),
        ({"points": "Infinity"}, "points", None),
        ({"points": "99999999999"}, "points", None),
        ({"points": "19.555"}, "points", None),
        ({"points": "21"}, "points", "得分应在 0 至 20 分之间。"),
        ({"points": "-1"}, "points", "得分应在 0 至 20 分之间。"),
        ({"evidence": "测评"}, "points", "请填写得分。"),
        ({"points": "10", "evidence": "   "}, "evidence", EVIDENCE_REQUIRED),
        ({"points": "10"}, "evidence", EVIDENCE_REQUIRED),
        ({"points": "10", "evidence": "长" * 2001}, "evidence", None),
    ],
)
def test_a_bad_manual_score_is_a_400_on_its_field_and_nothing_changes(
    province_admin, city_scheme, body, field, message
):
    score = satisfaction(city_scheme, "630104")
    response = client_for(province_admin).patch(f"{SCORES}{score.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    if message:
        assert response.json()[field] == [message]
    score.refresh_from_db()
    assert (score.points, score.evidence, score.scored_by) == (None, "", None)


def test_an_evidence_file_must_be_a_document_of_modest_size(province_admin, city_scheme, media, monkeypatch):
    client = client_for(province_admin)
    score = satisfaction(city_scheme, "630104")

    def send(name: str, content: bytes = b"x"):
        upload = SimpleUploadedFile(name, content)
        return client.patch(
            f"{SCORES}{score.pk}/", {"points": "10", "evidence": "测评", "evidence_file": upload}, format="multipart"
        )

    refused = send("run.exe")
    assert refused.status_code == 400 and list(refused.json()) == ["evidence_file"]
    monkeypatch.setattr("apps.insights.services.EVIDENCE_MAX_MB", 0)
    too_big = send("report.pdf")
    assert too_big.status_code == 400 and too_big.json()["evidence_file"][0].startswith("佐证材料不能超过")
    score.refresh_from_db()
    assert score.points is None and not score.evidence_file
    assert list(media.iterdir()) == []


def test_a_formula_score_cannot_be_given_by_hand(province_admin, city_scheme):
    score = Score.objects.get(
        evaluation__scheme=city_scheme, evaluation__region__code="630102", indicator__name="服务项目"
    )
    response = client_for(province_admin).patch(f"{SCORES}{score.pk}/", {"points": "5", "evidence": "x"}, format="json")
    assert response.status_code == 400 and response.json() == {"points": [NOT_MANUAL]}
    score.refresh_from_db()
    assert score.points == Decimal("20.00") and score.evidence == ""


def test_those_evaluated_never_score_themselves(county_staff, liaison, other_county_staff, city_scheme):
    own = satisfaction(city_scheme, "630102")
    body = {"points": "20", "evidence": "自评"}
    # The county may score (its role does), but not the city's scheme: the service refuses its region.
    refused = client_for(county_staff).patch(f"{SCORES}{own.pk}/", body, format="json")
    assert refused.status_code == 400 and refused.json() == {"region": [REGION_OUT_OF_SCOPE]}
    # A liaison sees the row and may not score at all; the neighbour does not see it.
    assert client_for(liaison).get(f"{SCORES}{own.pk}/").status_code == 200
    assert client_for(liaison).patch(f"{SCORES}{own.pk}/", body, format="json").status_code == 403
    assert client_for(other_county_staff).patch(f"{SCORES}{own.pk}/", body, format="json").status_code == 404
    assert client_for(county_staff).post(f"{SCHEMES}{city_scheme.pk}/compute/").status_code == 400
    assert client_for(liaison).post(f"{SCHEMES}{city_scheme.pk}/close/").status_code == 403
    own.refresh_from_db()
    assert (own.points, own.evidence) == (None, "")


def test_a_scheme_closes_when_every_manual_score_is_given_and_is_then_final(province_admin, city_scheme):
    client = client_for(province_admin)
    early = client.post(f"{SCHEMES}{city_scheme.pk}/close/")
    assert early.status_code == 409 and "7 项人工评分未完成" in early.json()["detail"]
    for score in Score.objects.filter(evaluation__scheme=city_scheme, indicator__method=IndicatorMethod.MANUAL):
        given = client.patch(f"{SCORES}{score.pk}/", {"points": "10", "evidence": "测评"}, format="json")
        assert given.status_code == 200, given.content
    closed = client.post(f"{SCHEMES}{city_scheme.pk}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert EvaluationScheme.objects.get(pk=city_scheme.pk).status == SchemeStatus.CLOSED

    score = satisfaction(city_scheme, "630102")
    late = client.patch(f"{SCORES}{score.pk}/", {"points": "20", "evidence": "改分"}, format="json")
    assert late.status_code == 409 and late.json()["detail"] == NOT_PUBLISHED
    assert client.post(f"{SCHEMES}{city_scheme.pk}/compute/").status_code == 409
    score.refresh_from_db()
    assert score.points == Decimal("10.00")


# The figures a formula may read -------------------------------------------------------------------


def test_the_figures_a_formula_may_read_for_regions_and_for_organizations(mobile_user):
    client = client_for(mobile_user)
    regions = {figure["code"]: figure for figure in client.get(FIGURES).json()}
    assert regions["coverage_share"] == {
        "code": "coverage_share",
        "label": "组织覆盖率",
        "unit": "%",
        "common": "organizations",
    }
    assert "venues" in regions
    organizations = {figure["code"] for figure in client.get(FIGURES, {"subject": "organization"}).json()}
    assert "projects" in organizations and "venues" not in organizations  # a place belongs to no one federation
    response = client.get(FIGURES, {"subject": "everyone"})
    assert response.status_code == 400 and list(response.json()) == ["subject"]
    assert APIClient().get(FIGURES).status_code == 401


def test_a_formula_with_an_absurd_constant_is_refused_or_earns_nothing_but_never_fails(province_admin, xining):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(province_admin)
    scheme = services.scheme_create(
        actor=province_admin, year=TODAY.year, name="联评联考", region=region("630100"), subject="region"
    )
    refused = client.post(
        INDICATORS, indicator_body(scheme.pk, "服务项目", "100", "projects * 1e999", "1"), format="json"
    )
    assert refused.status_code == 400 and "过大" in refused.json()["formula"][0]
    # Each constant fits, the product does not: the score earns nothing, publishing still works.
    added = client.post(
        INDICATORS, indicator_body(scheme.pk, "服务项目", "100", "projects * 1e13 * 1e13", "1"), format="json"
    )
    assert added.status_code == 201, added.content
    assert client.post(f"{SCHEMES}{scheme.pk}/publish/").status_code == 200
    east = Score.objects.get(evaluation__scheme=scheme, evaluation__region=region("630102"))
    assert (east.value, east.points) == (None, 0)
