"""A county staff member's first visit, in a real (headless) Chromium against a live server."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser_waits import poll_through_replaced_nodes
from tests.factories import GrassrootsUnitFactory, HostUnitFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 10

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    ),
]


@pytest.fixture
def browser():
    profile = tempfile.mkdtemp(prefix="qunzhi-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        # A cheap laptop's screen.
        "--window-size=1366,768",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager stays idle and downloads nothing.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    poll_through_replaced_nodes()
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _severe_console_errors(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_a_county_staff_member_logs_in_and_searches_the_organizations(
    browser, live_server, county_staff, chengdong_union, chengzhong_union
):
    # live_server makes this test transactional; the `qinghai` fixture behind the personas
    # reloads the reference data (ensure_reference_data) that the flush removes.
    GrassrootsUnitFactory(name="东川工业园区联合工会", host_unit=HostUnitFactory(name="东川工业园区"))
    wait = WebDriverWait(browser, WAIT_SECONDS)

    browser.get(f"{live_server.url}/accounts/login/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    browser.find_element(By.NAME, "username").send_keys("chengdong_staff")
    browser.find_element(By.NAME, "password").send_keys("pass-for-tests-42")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

    wait.until(ec.url_to_be(f"{live_server.url}/"))
    role = browser.find_element(By.CSS_SELECTOR, ".qz-role").text
    assert "县级群团服务中心工作人员" in role and "城东区" in role
    browser.save_screenshot("/tmp/qunzhi-home.png")

    browser.find_element(By.LINK_TEXT, "群团组织").click()
    wait.until(ec.presence_of_element_located((By.ID, "organization-table")))
    table = browser.find_element(By.ID, "organization-table")
    assert "西宁市城东区总工会" in table.text and "东川工业园区联合工会" in table.text
    assert "西宁市城中区总工会" not in table.text

    # A mark on the window survives an htmx swap but not a page load.
    browser.execute_script("window.qzSamePage = true")
    browser.find_element(By.NAME, "q").send_keys("总工会")
    wait.until(lambda driver: "东川工业园区联合工会" not in driver.find_element(By.ID, "organization-table").text)
    assert "西宁市城东区总工会" in browser.find_element(By.ID, "organization-table").text
    assert browser.execute_script("return window.qzSamePage === true")
    wait.until(lambda driver: "q=" in driver.current_url)  # hx-push-url keeps the search in the address
    assert "共 1 个组织" in browser.find_element(By.ID, "organization-count").text
    browser.save_screenshot("/tmp/qunzhi-orgs.png")

    assert _severe_console_errors(browser) == []
