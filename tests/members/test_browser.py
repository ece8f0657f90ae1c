"""Registering a person in a real (headless) Chromium: the live ID-number check, then the
memberships the rules create, on the person's page."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from apps.members import eligibility, idnumbers
from apps.members.models import Person
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, region, unit
from tests.members.factories import id_number, identity_tag
from tests.organizations import test_browser as organization_browser

WAIT_SECONDS = 10

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (organization_browser.CHROMIUM.exists() and organization_browser.CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    ),
]

# The same headless Chromium as the organization pages' browser test.
browser = organization_browser.browser


def _check_text(driver) -> str:
    return driver.find_element(By.ID, "id-number-check").text


def test_a_county_staff_member_registers_a_person_with_the_live_id_check(
    browser, live_server, county_staff, chengdong_union
):
    # live_server makes this test transactional; the personas' `qinghai` fixture reloads the
    # reference data (tags, rules, divisions) the flush removes.
    park = GrassrootsUnitFactory(name="东川工业园区联合工会", host_unit=HostUnitFactory(name="东川工业园区")).host_unit
    league, women = unit("630102", "youth_league"), unit("630102", "women")
    number = id_number(age=25, gender="female")
    wrong = number[:17] + ("1" if number[17] != "1" else "2")
    born = idnumbers.parse(number).birth_date
    wait = WebDriverWait(browser, WAIT_SECONDS)

    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys("chengdong_staff")
    browser.find_element(By.NAME, "password").send_keys("pass-for-tests-42")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(ec.url_to_be(f"{live_server.url}/"))

    browser.find_element(By.LINK_TEXT, "人员登记").click()
    wait.until(ec.presence_of_element_located((By.ID, "person-form")))
    browser.find_element(By.NAME, "name").send_keys("马晓兰")

    id_input = browser.find_element(By.NAME, "id_number")
    id_input.send_keys(wrong)
    wait.until(lambda driver: idnumbers.ID_CHECK_DIGIT in _check_text(driver))
    assert "text-danger" in browser.find_element(By.ID, "id-check-message").get_attribute("class")

    # Fixing the last character: the answer changes as the user types, without a page load.
    browser.execute_script("window.qzSamePage = true")
    id_input.send_keys("\b" + number[17])
    wait.until(lambda driver: f"出生日期 {born:%Y-%m-%d}" in _check_text(driver))
    assert "号码有效 · 女" in _check_text(browser)
    assert browser.execute_script("return window.qzSamePage === true")

    Select(browser.find_element(By.NAME, "ethnicity")).select_by_visible_text("回族")
    Select(browser.find_element(By.NAME, "region")).select_by_value(str(region("630102001000").pk))
    # The employer is found by typing (a search select), picked with the keyboard.
    employer = browser.find_element(By.ID, "id_employer")
    employer.send_keys("东川工业")
    wait.until(lambda driver: employer.get_attribute("aria-expanded") == "true")
    option = browser.find_element(By.CSS_SELECTOR, "#id_employer_listbox [role=option]")
    assert option.get_attribute("data-label") == "东川工业园区"
    employer.send_keys(Keys.ARROW_DOWN)
    assert employer.get_attribute("aria-activedescendant") == option.get_attribute("id")
    employer.send_keys(Keys.ENTER)
    assert browser.find_element(By.NAME, "employer").get_attribute("value") == str(park.pk)
    assert employer.get_attribute("value") == "东川工业园区"
    assert employer.get_attribute("aria-expanded") == "false"
    browser.find_element(By.CSS_SELECTOR, f'input[name="identity_tags"][value="{identity_tag("worker").pk}"]').click()
    browser.save_screenshot("/tmp/qunzhi-register.png")

    submit = browser.find_element(By.CSS_SELECTOR, "#person-form button[type=submit]")
    # Bootstrap scrolls smoothly; the click must not land while the page is still moving.
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", submit)
    submit.click()
    wait.until(ec.presence_of_element_located((By.ID, "memberships-title")))
    person = Person.objects.get()
    assert browser.current_url == f"{live_server.url}/people/{person.pk}/"

    alert = browser.find_element(By.CSS_SELECTOR, "main .alert-success").text
    assert "已登记“马晓兰”。" in alert and "新吸收为：" in alert
    assert "残联：" + eligibility.TAGS_MISSING.format(tags="残疾人") in alert
    tables = browser.find_elements(By.CSS_SELECTOR, "table.qz-memberships")
    assert [table.get_attribute("data-federation") for table in tables] == ["union", "youth_league", "women"]
    memberships = " ".join(table.text for table in tables)
    for organization in ("东川工业园区联合工会", league.name, women.name):
        assert organization in memberships
    assert memberships.count("在册") == 3
    facts = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=facts-title]").text
    assert person.id_number_masked in facts and number not in browser.page_source
    browser.save_screenshot("/tmp/qunzhi-person.png")

    assert organization_browser._severe_console_errors(browser) == []
