"""Co-building in a real (headless) Chromium: a county staff member opens the coverage page, then a
meeting, and marks an overdue item done. Screenshots go to /tmp/shots/cobuilding-<name>.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from apps.organizations.models import FollowUp, FollowUpStatus
from tests.organizations import test_browser as organization_browser
from tests.organizations.test_cobuilding_pages import demo  # noqa: F401 - the shared fixture

WAIT_SECONDS = 10
SHOTS = Path("/tmp/shots")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (organization_browser.CHROMIUM.exists() and organization_browser.CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    ),
]

browser = organization_browser.browser


def _shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    full = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(height, full + 120))
    driver.save_screenshot(str(SHOTS / f"cobuilding-{name}.png"))
    driver.set_window_size(width, height)


def _click(driver, element) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    element.click()


def test_a_county_staff_member_checks_coverage_and_closes_an_overdue_item(
    browser,
    live_server,
    county_staff,
    demo,  # noqa: F811
):
    wait = WebDriverWait(browser, WAIT_SECONDS)
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys("chengdong_staff")
    browser.find_element(By.NAME, "password").send_keys("pass-for-tests-42")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(ec.url_to_be(f"{live_server.url}/"))

    browser.find_element(By.LINK_TEXT, "联建与覆盖").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "joint-count"), "共 2 次联建"))
    _shot(browser, "joint-branches")
    browser.find_element(By.LINK_TEXT, "组织覆盖").click()
    wait.until(ec.presence_of_element_located((By.ID, "gap-table")))
    assert "大企业" in browser.find_element(By.ID, "gap-table").text
    _shot(browser, "coverage")

    browser.find_element(By.LINK_TEXT, "联席会议").click()
    _click(browser, wait.until(ec.presence_of_element_located((By.LINK_TEXT, "城东区群团联席会议"))))
    item = FollowUp.objects.get(task="制定预约规则 1")
    field = wait.until(ec.presence_of_element_located((By.ID, f"result-{item.pk}")))
    _shot(browser, "meeting")
    field.send_keys("预约规则已印发")
    _click(browser, browser.find_element(By.ID, f"complete-{item.pk}"))
    wait.until(ec.presence_of_element_located((By.ID, f"reopen-{item.pk}")))
    _shot(browser, "meeting-done")
    item.refresh_from_db()
    assert item.status == FollowUpStatus.DONE and item.result == "预约规则已印发"

    browser.find_element(By.LINK_TEXT, "逾期事项").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "follow-up-count"), "共 1 项"))
    _shot(browser, "follow-ups")
