"""Booking a room in a real (headless) Chromium: click a free slot of the week calendar, book it
in place, then meet the conflict message when the slot is taken meanwhile."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from apps.venues import services
from apps.venues.models import Booking, BookingStatus
from tests.factories import unit
from tests.organizations import test_browser as organization_browser
from tests.venues.factories import make_room, make_venue

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


def _next_open_day(venue) -> dt.date:
    """The live server runs on the real clock: book the first open day after today (no holiday)."""
    today = timezone.localdate()
    for day in services.venue_days(venue, today + dt.timedelta(days=1), today + dt.timedelta(days=14)):
        if day.is_open:
            return day.day
    raise AssertionError("the venue opens on no day of the next two weeks")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _click(driver, element) -> None:
    # Bootstrap scrolls smoothly; the click must not land while the page is still moving.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    element.click()


def test_a_county_staff_member_books_a_free_slot_and_sees_a_conflict_in_place(
    browser, live_server, county_staff, chengdong_union
):
    # live_server makes this test transactional; the personas' `qinghai` fixture reloads the
    # reference data the flush removes.
    venue = make_venue("630102", federations=("union", "women"), name="城东区群众之家")
    room = make_room(venue, name="多功能活动厅", capacity=60, needs_approval=False)
    women_unit = unit("630102", "women")
    day = _next_open_day(venue)
    ten, eleven = _at(day, 10), _at(day, 11)
    cell_id = f"slot-{room.pk}-{ten:%Y%m%d%H%M}"
    wait = WebDriverWait(browser, WAIT_SECONDS)

    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys("chengdong_staff")
    browser.find_element(By.NAME, "password").send_keys("pass-for-tests-42")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(ec.url_to_be(f"{live_server.url}/"))

    browser.find_element(By.LINK_TEXT, "阵地共用").click()
    wait.until(ec.presence_of_element_located((By.ID, "venue-table")))
    browser.find_element(By.LINK_TEXT, "城东区群众之家").click()
    wait.until(ec.presence_of_element_located((By.ID, "room-table")))
    browser.get(f"{live_server.url}/rooms/{room.pk}/calendar/?week={day:%Y-%m-%d}")
    wait.until(ec.presence_of_element_located((By.ID, cell_id)))
    browser.execute_script("window.qzSamePage = true")

    # A free slot opens the prefilled form beside the calendar.
    _click(browser, browser.find_element(By.CSS_SELECTOR, f"#{cell_id} button"))
    wait.until(ec.presence_of_element_located((By.ID, "booking-form")))
    form = browser.find_element(By.ID, "booking-form")
    assert form.find_element(By.NAME, "start").get_attribute("value") == f"{ten:%Y-%m-%dT%H:%M}"
    assert chengdong_union.name in form.find_element(By.NAME, "organization").text
    form.find_element(By.NAME, "purpose").send_keys("职工书法培训")
    attendees = form.find_element(By.NAME, "attendees")
    attendees.clear()
    attendees.send_keys("25")
    _click(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    # Booked: the confirmation in the panel, the cell now shows the booking, no page load.
    wait.until(ec.presence_of_element_located((By.ID, "booking-done")))
    wait.until(lambda driver: "职工书法培训" in driver.find_element(By.ID, cell_id).text)
    assert chengdong_union.name in browser.find_element(By.ID, cell_id).text
    assert browser.find_elements(By.CSS_SELECTOR, f"#{cell_id} button") == []
    assert browser.execute_script("return window.qzSamePage === true")
    booking = Booking.objects.get()
    assert (booking.start, booking.end, booking.status) == (ten, eleven, BookingStatus.APPROVED)
    browser.save_screenshot("/tmp/qunzhi-calendar.png")

    # The next hour: while the form is open, another federation takes that hour.
    next_cell = f"slot-{room.pk}-{eleven:%Y%m%d%H%M}"
    _click(browser, browser.find_element(By.CSS_SELECTOR, f"#{next_cell} button"))
    wait.until(ec.presence_of_element_located((By.ID, "booking-form")))
    women = services.booking_create(
        room=room,
        organization=women_unit,
        start=eleven,
        end=eleven + dt.timedelta(minutes=30),
        purpose="妇女议事会",
        attendees=10,
        contact_name="王老师",
    )
    form = browser.find_element(By.ID, "booking-form")
    form.find_element(By.NAME, "purpose").send_keys("青年志愿者培训")
    form.find_element(By.NAME, "attendees").send_keys("30")
    _click(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    wait.until(ec.presence_of_element_located((By.ID, "booking-conflict")))
    conflict = browser.find_element(By.ID, "booking-conflict").text
    assert services.BOOKING_CONFLICT.format(count=1) in conflict
    assert women.organization.name in conflict and f"{eleven:%H:%M}–" in conflict
    wait.until(lambda driver: "妇女议事会" in driver.find_element(By.ID, next_cell).text)
    assert Booking.objects.count() == 2
    assert browser.execute_script("return window.qzSamePage === true")
    browser.save_screenshot("/tmp/qunzhi-calendar-conflict.png")

    # The utilization page draws its chart with the vendored ECharts.
    browser.get(f"{live_server.url}/venues/{venue.pk}/utilization/")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#utilization-chart canvas")))
    assert "多功能活动厅" in browser.find_element(By.ID, "utilization-table").text
    browser.save_screenshot("/tmp/qunzhi-utilization.png")

    assert organization_browser._severe_console_errors(browser) == []
