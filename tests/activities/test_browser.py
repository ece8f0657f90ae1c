"""Running an activity in a real (headless) Chromium: create it with a room (the room's day
shows beside the form through htmx), publish it, register a person by ID number, then check
them in.

The live server runs on the real clock. When the venue is open for the next hour and a
bit, the activity starts in five minutes today, so the check-in window (30 minutes before
the start to the end) is open and the check-in succeeds. Otherwise (night, Sunday, holiday)
it is held on the next open day and the check-in page must answer with the window.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from apps.activities import services
from apps.activities.models import Activity, ActivityStatus, Registration, RegistrationStatus
from apps.venues import services as venue_services
from tests.members.factories import PersonFactory, id_number
from tests.organizations import test_browser as organization_browser
from tests.venues.factories import make_room, make_venue

WAIT_SECONDS = 10
DATETIME = "%Y-%m-%dT%H:%M"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (organization_browser.CHROMIUM.exists() and organization_browser.CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    ),
]

browser = organization_browser.browser


def _schedule(venue) -> tuple[dt.datetime, dt.datetime, bool]:
    """(start, end, check-in open now): in five minutes today if the venue allows, else the next open day."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    today = venue_services.venue_days(venue, now.date(), now.date())[0]
    start = now + dt.timedelta(minutes=5)
    end = start + dt.timedelta(minutes=30)
    if today.is_open and today.opens <= start.time() and end.date() == now.date() and end.time() <= today.closes:
        return start, end, True
    for day in venue_services.venue_days(venue, now.date() + dt.timedelta(days=1), now.date() + dt.timedelta(days=14)):
        if day.is_open:
            start = timezone.make_aware(dt.datetime.combine(day.day, dt.time(10)))
            return start, start + dt.timedelta(hours=2), False
    raise AssertionError("the venue opens on no day of the next two weeks")


def _set(driver, element_id: str, value: str) -> None:
    """datetime-local inputs take their value from script (typing depends on the locale)."""
    driver.execute_script(
        "const el = document.getElementById(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event('change', {bubbles: true}));",
        element_id,
        value,
    )


def _click(driver, element) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    element.click()


def test_a_county_staff_member_creates_publishes_and_runs_an_activity(
    browser, live_server, county_staff, chengdong_union
):
    # Open round the clock, so that the check-in itself runs whenever CI does (but late at night).
    all_day = {weekday: (dt.time(0, 0), dt.time(23, 59)) for weekday in range(7)}
    venue = make_venue(
        "630102", federations=("union", "women"), hours=all_day, name="城东区群众之家", closes_on_public_holidays=False
    )
    room = make_room(venue, name="多功能活动厅", capacity=60)
    start, end, check_in_open = _schedule(venue)
    number = id_number(age=35)
    person = PersonFactory(name="马晓梅", id_number=number)
    wait = WebDriverWait(browser, WAIT_SECONDS)

    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys("chengdong_staff")
    browser.find_element(By.NAME, "password").send_keys("pass-for-tests-42")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(ec.url_to_be(f"{live_server.url}/"))

    browser.find_element(By.LINK_TEXT, "活动共办").click()
    wait.until(ec.presence_of_element_located((By.ID, "activity-count")))
    browser.find_element(By.CSS_SELECTOR, "main a.btn-primary").click()
    wait.until(ec.presence_of_element_located((By.ID, "activity-form")))

    browser.find_element(By.ID, "id_title").send_keys("职工书法讲堂")
    Select(browser.find_element(By.ID, "id_theme")).select_by_visible_text("讲堂 · 职工道德讲堂")
    Select(browser.find_element(By.ID, "id_mode")).select_by_visible_text("牵头办")
    Select(browser.find_element(By.ID, "id_lead_organization")).select_by_value(str(chengdong_union.pk))
    Select(browser.find_element(By.ID, "id_region")).select_by_value(str(chengdong_union.region_id))
    browser.find_element(By.ID, "id_capacity").send_keys("30")
    signup_opens = timezone.localtime() - dt.timedelta(minutes=5)
    _set(browser, "id_signup_opens", f"{signup_opens:{DATETIME}}")
    _set(browser, "id_signup_closes", f"{timezone.localtime(start):{DATETIME}}")
    _set(browser, "id_end", f"{timezone.localtime(end):{DATETIME}}")
    _set(browser, "id_start", f"{timezone.localtime(start):{DATETIME}}")
    Select(browser.find_element(By.ID, "id_room")).select_by_value(str(room.pk))
    # htmx shows the room's day beside the form: open, nothing booked yet. Changing the start
    # and the room each fetch it, so the panel may be swapped while read: wait on its text,
    # which the condition finds afresh on every poll.
    wait.until(ec.text_to_be_present_in_element((By.ID, "room-day"), "当天尚无预约"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "room-day"), "多功能活动厅"))
    _click(browser, browser.find_element(By.CSS_SELECTOR, "#activity-form button[type=submit]"))

    wait.until(ec.presence_of_element_located((By.ID, "activity-facts")))
    activity = Activity.objects.get(title="职工书法讲堂")
    assert activity.booking is not None and activity.booking.room == room
    assert "多功能活动厅" in browser.find_element(By.ID, "activity-facts").text

    _click(browser, browser.find_element(By.XPATH, "//button[text()='发布']"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "activity-status"), "已发布"))
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PUBLISHED

    browser.find_element(By.ID, "id_id_number").send_keys(number)
    _click(browser, browser.find_element(By.CSS_SELECTOR, "#register-form button[type=submit]"))
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "马晓梅：已报名（第 1 位）。"))
    assert "马晓梅" in browser.find_element(By.ID, "registered-table").text
    browser.save_screenshot("/tmp/qunzhi-activity.png")

    _click(browser, browser.find_element(By.LINK_TEXT, "签到"))
    wait.until(ec.presence_of_element_located((By.ID, "check-in-form")))
    browser.find_element(By.ID, "id_code").send_keys(number)
    _click(browser, browser.find_element(By.CSS_SELECTOR, "#check-in-form button[type=submit]"))
    registration = Registration.objects.get(activity=activity, person=person)
    if check_in_open:
        wait.until(ec.text_to_be_present_in_element((By.ID, "attended-list"), "马晓梅"))
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.ATTENDED
    else:
        error = wait.until(ec.presence_of_element_located((By.ID, "code-error")))
        opens = timezone.localtime(start - dt.timedelta(minutes=30))
        assert error.text == services.CHECK_IN_WINDOW.format(
            opens=f"{opens:%Y-%m-%d %H:%M}", closes=f"{timezone.localtime(end):%Y-%m-%d %H:%M}", minutes=30
        )
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.REGISTERED
    browser.save_screenshot("/tmp/qunzhi-activity-check-in.png")
