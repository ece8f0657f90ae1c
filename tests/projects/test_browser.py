"""服务共融 in a real (headless) Chromium: a county staff member turns a bundling suggestion into a
bundle, records a service for a person in one of its projects, and finds it on the person's
一人一档 page. A screenshot of each main page goes to /tmp/shots/issue7_<name>.png.

The live server runs on the real clock: the projects run this year and the service is
recorded today (the form's default date).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from apps.members.services import membership_create
from apps.projects.models import Bundle, GoalMetric, ProjectRole, ServiceRecord
from apps.resources.models import EntryKind, Fund, FundKind
from apps.resources.services import fund_save, ledger_entry_create
from tests.factories import unit
from tests.members.factories import CadrePostFactory, PersonFactory, id_number
from tests.organizations import test_browser as organization_browser
from tests.projects.factories import ProjectFactory

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


def _click(driver, element) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    element.click()


def _shot(driver, name: str) -> None:
    """The whole page, not only the laptop's first screen, for the lead to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    full = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(height, full + 120))
    driver.save_screenshot(str(SHOTS / f"issue7_{name}.png"))
    driver.set_window_size(width, height)


def test_a_county_staff_member_bundles_a_suggestion_records_a_service_and_sees_it_in_the_record(
    browser, live_server, county_staff, chengdong_union
):
    women = unit("630102", "women")
    year = timezone.localdate().year
    fund = fund_save(fund=Fund(name="城东区总工会自有经费", kind=FundKind.OWN, owner=chengdong_union, year=year))
    ledger_entry_create(
        fund=fund, kind=EntryKind.INCOME, amount=Decimal("200000"), date=dt.date(year, 1, 1), voucher_number="IN-1"
    )
    ProjectFactory(
        name="暖心工程·职工家庭电热炕改造",
        lead=chengdong_union,
        participants=[(women, ProjectRole.PARTNER)],
        fund=fund,
        budget=Decimal("150000"),
        goals=[{"name": "改造户数", "metric": GoalMetric.PEOPLE, "target": Decimal("4")}],
    )
    ProjectFactory(name="暖心工程·巾帼暖炕行动", lead=women)
    ProjectFactory(
        name="巾帼助残·家庭无障碍改造",
        lead=women,
        policy_code="barrier_free",
        nature_code="rights",
        content_code="barrier_free",
        service_codes=["barrier_free_home"],
    )
    ProjectFactory(
        name="家庭无障碍改造（残联）",
        lead=unit("630102", "disabled"),
        policy_code="barrier_free",
        content_code="barrier_free",
        service_codes=["barrier_free_home"],
    )
    number = id_number(age=52, gender="male")
    person = PersonFactory(name="韩德福", id_number=number)
    # Something else in his record besides the service.
    membership_create(person=person, organization=chengdong_union, joined_on=dt.date(2015, 3, 1))
    CadrePostFactory(person=person, organization=chengdong_union, title="社区工会兼职委员")
    wait = WebDriverWait(browser, WAIT_SECONDS)

    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys("chengdong_staff")
    browser.find_element(By.NAME, "password").send_keys("pass-for-tests-42")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(ec.url_to_be(f"{live_server.url}/"))

    browser.find_element(By.LINK_TEXT, "服务共融").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "project-count"), "共 4 个项目"))
    _shot(browser, "project_list")
    browser.get(f"{live_server.url}/projects/new/")
    wait.until(ec.presence_of_element_located((By.ID, "project-form")))
    _shot(browser, "project_form")

    # The suggestion: 100 points, every criterion met, name and lead filled in.
    browser.find_element(By.LINK_TEXT, "捆绑建议").click()
    card = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".qz-suggestion")))
    assert card.find_element(By.CSS_SELECTOR, ".qz-score").text == "100 分"
    assert len(card.find_elements(By.CSS_SELECTOR, "[data-match=yes]")) == 4
    assert card.find_element(By.NAME, "name").get_attribute("value") == "城东区暖心工程捆绑项目"
    _shot(browser, "suggestions")
    _click(browser, card.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    wait.until(ec.presence_of_element_located((By.ID, "member-table")))
    bundle = Bundle.objects.get(name="城东区暖心工程捆绑项目")
    assert browser.current_url == f"{live_server.url}/bundles/{bundle.pk}/"
    assert "已创建捆绑项目" in browser.find_element(By.CSS_SELECTOR, ".alert-success").text
    assert bundle.projects.count() == 2

    # A service in one of its projects, for the person found by ID number.
    _click(browser, browser.find_element(By.LINK_TEXT, "暖心工程·职工家庭电热炕改造"))
    form = wait.until(ec.presence_of_element_located((By.ID, "record-form")))
    form.find_element(By.NAME, "id_number").send_keys(number)
    form.find_element(By.NAME, "amount").send_keys("3000")
    _click(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "record-count"), "共 1 条服务记录"))
    assert "已登记：韩德福 接受“电热炕改造”" in browser.find_element(By.CSS_SELECTOR, ".alert-success").text
    assert browser.find_element(By.ID, "figure-people").text == "1"
    assert "1 / 4 人" in browser.find_element(By.ID, "goal-list").text
    assert ServiceRecord.objects.filter(person=person).count() == 1
    _shot(browser, "project_detail")

    assert organization_browser._severe_console_errors(browser) == []

    # The same one-off service again: refused with the reason, on the ID number. The page
    # answers 409, which Chromium logs as a failed resource: that one line is expected.
    form = browser.find_element(By.ID, "record-form")
    form.find_element(By.NAME, "id_number").send_keys(number)
    _click(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    error = wait.until(ec.visibility_of_element_located((By.ID, "id_number-error")))
    assert "每人限一次" in error.text
    assert ServiceRecord.objects.filter(person=person).count() == 1
    assert [
        entry
        for entry in organization_browser._severe_console_errors(browser)
        if not (entry["source"] == "network" and "/records/" in entry["message"] and "409" in entry["message"])
    ] == []

    browser.find_element(By.LINK_TEXT, "捆绑项目").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bundle-count"), "共 1 个捆绑项目"))
    _shot(browser, "bundle_list")
    browser.get(f"{live_server.url}/bundles/{bundle.pk}/")
    wait.until(ec.text_to_be_present_in_element((By.ID, "figure-people"), "1"))
    _shot(browser, "bundle_detail")

    # 一人一档: the service is there, with the unit that gave it.
    _click(browser, browser.find_element(By.LINK_TEXT, "暖心工程·职工家庭电热炕改造"))
    _click(browser, wait.until(ec.presence_of_element_located((By.LINK_TEXT, "韩德福"))))
    section = wait.until(ec.presence_of_element_located((By.ID, "section-service")))
    assert "电热炕改造 · 暖心工程·职工家庭电热炕改造" in section.text
    assert "西宁市城东区总工会（工会）" in section.text
    _shot(browser, "person_record")
    browser.find_element(By.ID, "timeline-tab").click()
    timeline = wait.until(ec.visibility_of_element_located((By.ID, "timeline-list")))
    assert "接受的服务" in timeline.text

    assert organization_browser._severe_console_errors(browser) == []
