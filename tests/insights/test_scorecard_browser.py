"""The 六共 dashboard in a real (headless) Chromium: the province's cards and chart render without a
JavaScript error, and drilling down reaches a county. Screenshots go to /tmp/shots/scorecard-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.insights.test_scorecard import xining  # noqa: F401 - the hand-made 西宁市
from tests.organizations import test_browser as organization_browser

SHOTS = Path("/tmp/shots")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (organization_browser.CHROMIUM.exists() and organization_browser.CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    ),
]

browser = organization_browser.browser


def _follow(driver, text: str) -> None:
    link = driver.find_element(By.LINK_TEXT, text)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", link)
    link.click()


def _errors(driver) -> list:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_the_dashboard_draws_its_charts_and_drills_down_to_a_county(
    browser,
    live_server,
    province_admin,
    xining,  # noqa: F811
):
    wait = WebDriverWait(browser, 10)
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys("province_admin")
    browser.find_element(By.NAME, "password").send_keys("pass-for-tests-42")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(ec.url_to_be(f"{live_server.url}/"))

    browser.find_element(By.LINK_TEXT, "六共指标").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "六共指标：青海省"))
    assert len(browser.find_elements(By.CSS_SELECTOR, ".qz-common")) == 6
    # ECharts drew into the chart's box: a canvas is there.
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#children-chart canvas")))
    assert _errors(browser) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / "scorecard-province.png"))

    _follow(browser, "西宁市")
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "六共指标：西宁市"))
    _follow(browser, "城东区")
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "六共指标：城东区"))
    projects = browser.find_element(By.CSS_SELECTOR, '[data-common="projects"] [data-figure="projects"]')
    assert projects.text.startswith("2")  # 城东甲, 城东乙
    assert "西宁市" in browser.find_element(By.ID, "scorecard-trail").text
    assert _errors(browser) == []
    browser.save_screenshot(str(SHOTS / "scorecard-county.png"))
