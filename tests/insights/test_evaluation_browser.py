"""Joint evaluation in a real (headless) Chromium: a province admin drafts 西宁's scheme, adds indicators
(a figure code picked from the reference list), publishes it, gives a manual score and sees the rank
change, without a JavaScript error. Screenshots go to /tmp/shots/eval-*.png."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from apps.insights import services
from apps.insights.demo import PREFECTURE_INDICATORS
from apps.insights.models import EvaluationScheme, EvaluationSubject, IndicatorMethod, SchemeStatus, Score
from tests.browser_waits import replaced
from tests.factories import region
from tests.insights.test_scorecard import TODAY, xining  # noqa: F401 - the hand-made 西宁市
from tests.organizations import test_browser as organization_browser

SHOTS = Path("/tmp/shots")
WAIT_SECONDS = 10

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (organization_browser.CHROMIUM.exists() and organization_browser.CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    ),
]

browser = organization_browser.browser

# The demo's scheme for the 市州 (apps.insights.demo), here over 西宁's counties: every common, a
# lower-is-better indicator, formulas over two figures and a manual survey.
DEMO_LIKE = PREFECTURE_INDICATORS


def _shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    full = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(height, full + 120))
    driver.save_screenshot(str(SHOTS / f"eval-{name}.png"))
    driver.set_window_size(width, height)


def _click(driver, element) -> None:
    def clicked(_) -> bool:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
        try:
            element.click()
        except ElementClickInterceptedException:
            return False  # the window is still settling after a screenshot's resize
        return True

    WebDriverWait(driver, WAIT_SECONDS).until(clicked)


def _errors(driver) -> list:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _sign_in(driver, live_server, username: str) -> WebDriverWait:
    wait = WebDriverWait(driver, WAIT_SECONDS)
    driver.get(f"{live_server.url}/accounts/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys("pass-for-tests-42")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(ec.url_to_be(f"{live_server.url}/"))
    return wait


def _add_indicator(driver, wait, *, common: str, name: str, weight: str, method: str, code: str = "", target=""):
    Select(driver.find_element(By.ID, "id_common")).select_by_visible_text(common)
    driver.find_element(By.ID, "id_name").send_keys(name)
    driver.find_element(By.ID, "id_weight").send_keys(weight)
    Select(driver.find_element(By.ID, "id_method")).select_by_visible_text(method)
    if code:
        reference = driver.find_element(By.ID, "figure-reference")
        _click(driver, reference.find_element(By.TAG_NAME, "summary"))
        _click(driver, reference.find_element(By.CSS_SELECTOR, f'.qz-code[data-code="{code}"]'))
        assert driver.find_element(By.ID, "id_formula").get_attribute("value") == code
        driver.find_element(By.ID, "id_target").send_keys(target)
    else:  # a manual indicator has no formula: its fields are out of the way
        assert not driver.find_element(By.ID, "id_formula").is_displayed()
    submit = driver.find_element(By.ID, "indicator-submit")
    _click(driver, submit)
    wait.until(replaced(submit))  # the page reloaded: the old one's table is gone
    wait.until(ec.text_to_be_present_in_element((By.ID, "indicator-table"), name))


def _rank(driver, subject: str) -> str:
    row = driver.find_element(By.XPATH, f'//table[@id="ranking-table"]//tr[.//a[text()="{subject}"]]')
    return row.find_element(By.CSS_SELECTOR, "[data-rank]").text


def test_a_province_admin_drafts_publishes_and_scores_a_scheme(
    browser,
    live_server,
    province_admin,
    xining,  # noqa: F811
):
    wait = _sign_in(browser, live_server, "province_admin")
    browser.find_element(By.LINK_TEXT, "联评联考").click()
    _click(browser, wait.until(ec.element_to_be_clickable((By.ID, "scheme-create-link"))))

    # The organization level shows only when organizations are evaluated.
    level = browser.find_element(By.ID, "id_organization_level")
    assert not level.is_displayed()
    Select(browser.find_element(By.ID, "id_subject")).select_by_visible_text("群团组织")
    assert level.is_displayed()
    Select(browser.find_element(By.ID, "id_subject")).select_by_visible_text("下一级区划")
    browser.find_element(By.ID, "id_name").send_keys("西宁市群团工作联评联考")
    Select(browser.find_element(By.ID, "id_region")).select_by_visible_text("西宁市（市州）")
    _click(browser, browser.find_element(By.ID, "scheme-submit"))
    wait.until(ec.presence_of_element_located((By.ID, "draft-actions")))
    scheme = EvaluationScheme.objects.get(name="西宁市群团工作联评联考")
    assert scheme.year == TODAY.year

    _add_indicator(
        browser,
        wait,
        common="组织共建",
        name="联建单位",
        weight="50",
        method="按平台数据计算",
        code="joint_branches",
        target="2",
    )
    _add_indicator(browser, wait, common="服务共融", name="群众满意度", weight="50", method="人工评分（附佐证）")
    assert "100" in browser.find_element(By.ID, "weight-total").text
    _shot(browser, "draft")

    _click(browser, browser.find_element(By.ID, "publish-button"))
    wait.until(ec.presence_of_element_located((By.ID, "ranking-table")))
    assert EvaluationScheme.objects.get(pk=scheme.pk).status == SchemeStatus.PUBLISHED
    # 城东 and 城中 have one joint branch each (25 points); 城西 nothing yet: tied third.
    assert (_rank(browser, "城东区"), _rank(browser, "城西区")) == ("1", "3")
    _shot(browser, "ranking-before")

    _click(browser, browser.find_element(By.ID, "pending-link"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "pending-count"), "待评 7 项"))
    west = Score.objects.get(evaluation__scheme=scheme, evaluation__region__name="城西区", indicator__name="群众满意度")
    form = browser.find_element(By.ID, f"score-form-{west.pk}")
    form.find_element(By.NAME, f"s{west.pk}-points").send_keys("45")
    form.find_element(By.NAME, f"s{west.pk}-evidence").send_keys("第三方测评 90 分")
    _shot(browser, "pending")
    _click(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait.until(replaced(form))
    wait.until(ec.text_to_be_present_in_element((By.ID, "pending-count"), "待评 6 项"))

    browser.find_element(By.LINK_TEXT, f"{TODAY.year}年度 西宁市群团工作联评联考").click()
    wait.until(ec.presence_of_element_located((By.ID, "ranking-table")))
    assert (_rank(browser, "城西区"), _rank(browser, "城东区")) == ("1", "2")
    _shot(browser, "ranking-after")
    _click(browser, browser.find_element(By.LINK_TEXT, "城西区"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "evaluation-rank"), "第 1 名"))
    assert "第三方测评 90 分" in browser.find_element(By.CSS_SELECTOR, "[data-evidence]").text
    assert _errors(browser) == []


def test_the_scheme_and_its_ranking_with_demo_like_data(browser, live_server, province_admin, xining):  # noqa: F811
    scheme = services.scheme_create(
        actor=province_admin,
        year=TODAY.year,
        name="全市群团工作整体联评联考",
        region=region("630100"),
        subject=EvaluationSubject.REGION,
        notes="演示方案",
    )
    for position, (common, name, weight, formula, target, lower, guidance) in enumerate(DEMO_LIKE, start=1):
        services.indicator_add(
            actor=province_admin,
            scheme=scheme,
            common=common,
            name=name,
            weight=Decimal(weight),
            method=IndicatorMethod.FORMULA if formula else IndicatorMethod.MANUAL,
            formula=formula,
            target=None if target is None else Decimal(target),
            lower_is_better=lower,
            guidance=guidance,
            position=position,
        )
    wait = _sign_in(browser, live_server, "province_admin")
    browser.get(f"{live_server.url}/evaluations/{scheme.pk}/")
    wait.until(ec.presence_of_element_located((By.ID, "indicator-table")))
    _shot(browser, "scheme")
    services.scheme_publish(actor=province_admin, scheme=scheme)
    for code, points in (("630102", "9.2"), ("630103", "8.8")):
        score = Score.objects.get(
            evaluation__scheme=scheme, evaluation__region=region(code), indicator__method="manual"
        )
        services.score_manual(actor=province_admin, score=score, points=points, evidence="第三方满意度测评")
    browser.get(f"{live_server.url}/evaluations/{scheme.pk}/")
    wait.until(ec.presence_of_element_located((By.ID, "ranking-table")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#ranking-table tbody tr")) == 7
    _shot(browser, "scheme-ranking")
    _click(browser, browser.find_element(By.LINK_TEXT, "城东区"))
    wait.until(ec.presence_of_element_located((By.ID, "evaluation-summary")))
    _shot(browser, "evaluation")
    assert _errors(browser) == []
