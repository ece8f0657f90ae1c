"""人才共育 in a real (headless) Chromium: a county staff member opens a course, enrolls two cadres
in bulk, marks attendance on a phone-sized screen, finishes the course, downloads the certificate,
checks it on the public page (signed out), and finds the training on the cadre's 一人一档 page.
A screenshot of each main page goes to /tmp/shots/talent-<name>.png.

The live server runs on the real clock: the course's two sessions took place last week.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from apps.talent.models import Attendance, Certificate, CourseStatus, TrainingCourse
from tests.browser_waits import replaced
from tests.factories import unit
from tests.organizations import test_browser as organization_browser
from tests.talent.factories import CourseFactory, cadre, expert

WAIT_SECONDS = 10
SHOTS = Path("/tmp/shots")
LAPTOP = (1366, 768)
PHONE = (375, 812)

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
    """The whole page, not only the first screen, for the lead to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    full = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(height, full + 120))
    driver.save_screenshot(str(SHOTS / f"talent-{name}.png"))
    driver.set_window_size(width, height)


def _first_bytes(driver, url: str) -> str:
    """The first bytes of what the browser downloads from `url`, with its session."""
    return driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then((r) => r.arrayBuffer()).then((buffer) => {
          done(String.fromCharCode(...new Uint8Array(buffer).slice(0, 5)));
        });
        """,
        url,
    )


def _mark_all_present(driver, wait, url: str, *, on_leave: str | None = None) -> None:
    driver.get(url)
    wait.until(ec.presence_of_element_located((By.ID, "attendance-form")))
    _click(driver, driver.find_element(By.ID, "all-present"))
    if on_leave:
        row = driver.find_element(By.XPATH, f"//li[@data-person][contains(., '{on_leave}')]")
        _click(driver, row.find_element(By.XPATH, ".//label[text()='请假']"))
    _click(driver, driver.find_element(By.ID, "save-attendance"))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".alert-success")))


def test_a_county_staff_member_runs_a_course_from_enrollment_to_the_certificate(
    browser, live_server, county_staff, chengdong_union
):
    women = unit("630102", "women")
    ma = cadre(chengdong_union, name="马晓梅")
    han = cadre(women, name="韩德福")
    cadre(unit("630102", "youth_league"), name="李桂兰")
    course = CourseFactory(title="群众之家阵地服务培训", lead=chengdong_union, co_organizers=[women], days_ago=7)
    CourseFactory(title="冬季群团干部履职能力培训班", lead=women, sessions=2, days_ago=-3)
    expert(fields=("agriculture",), specialty="牦牛养殖")
    first, second = course.sessions.order_by("starts_at")
    wait = WebDriverWait(browser, WAIT_SECONDS)

    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys("chengdong_staff")
    browser.find_element(By.NAME, "password").send_keys("pass-for-tests-42")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(ec.url_to_be(f"{live_server.url}/"))

    browser.find_element(By.LINK_TEXT, "人才共育").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "course-count"), "共 2 个培训班"))
    _shot(browser, "course-list")
    browser.find_element(By.LINK_TEXT, "培训日历").click()
    wait.until(ec.presence_of_element_located((By.ID, "calendar")))
    _shot(browser, "calendar")
    browser.find_element(By.LINK_TEXT, "土专家").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "expert-count"), "共 1 位土专家"))
    _shot(browser, "experts")
    browser.find_element(By.LINK_TEXT, "轮岗到期").click()
    wait.until(ec.presence_of_element_located((By.ID, "due-count")))

    # The course, then two cadres ticked and enrolled at once.
    browser.find_element(By.LINK_TEXT, "培训班").click()
    _click(browser, wait.until(ec.presence_of_element_located((By.LINK_TEXT, "群众之家阵地服务培训"))))
    _click(browser, wait.until(ec.presence_of_element_located((By.ID, "enroll-link"))))
    wait.until(ec.presence_of_element_located((By.ID, "candidate-list")))
    assert "李桂兰" in browser.find_element(By.ID, "candidate-list").text
    _click(browser, browser.find_element(By.ID, f"person-{ma.pk}"))
    _click(browser, browser.find_element(By.ID, f"person-{han.pk}"))
    _shot(browser, "enroll")
    _click(browser, browser.find_element(By.ID, "enroll-submit"))
    wait.until(ec.presence_of_element_located((By.ID, "roster-table")))
    assert "已将 2 名干部加入学员名单" in browser.find_element(By.CSS_SELECTOR, ".alert-success").text
    assert set(course.enrollments.values_list("person__name", flat=True)) == {"马晓梅", "韩德福"}

    assert organization_browser._severe_console_errors(browser) == []

    # Attendance on a phone: every cadre present at the first session; 韩德福 on leave at the second.
    browser.set_window_size(*PHONE)
    sheet = f"{live_server.url}/talent/sessions/{{}}/attendance/"
    _mark_all_present(browser, wait, sheet.format(first.pk))
    assert "已保存 2 人的考勤：出勤 2。" in browser.find_element(By.CSS_SELECTOR, ".alert-success").text
    _mark_all_present(browser, wait, sheet.format(second.pk), on_leave="韩德福")
    assert "出勤 1，请假 1" in browser.find_element(By.CSS_SELECTOR, ".alert-success").text
    assert browser.execute_script("return document.documentElement.scrollWidth") <= browser.execute_script(
        "return window.innerWidth"
    )
    buttons = browser.find_elements(By.CSS_SELECTOR, ".qz-marks label")
    assert buttons and min(button.size["height"] for button in buttons) >= 40  # a finger's tap
    _shot(browser, "attendance-phone")
    assert Attendance.objects.filter(session=second, status="leave").get().person == han
    browser.set_window_size(*LAPTOP)

    # 结业: the certificate for the one who attended every session.
    browser.get(f"{live_server.url}/talent/courses/{course.pk}/")
    _click(browser, wait.until(ec.presence_of_element_located((By.ID, "finish-course"))))
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".alert-success"), "颁发结业证书 1 份"))
    assert TrainingCourse.objects.get(pk=course.pk).status == CourseStatus.FINISHED
    certificate = Certificate.objects.get()
    assert certificate.enrollment.person == ma and certificate.hours == Decimal("8.0")
    _shot(browser, "course-detail")
    pdf = browser.find_element(By.LINK_TEXT, "下载 PDF").get_attribute("href")
    assert _first_bytes(browser, pdf) == "%PDF-"

    # 一人一档 shows the training and its certificate.
    browser.get(f"{live_server.url}/people/{ma.pk}/record/")
    section = wait.until(ec.presence_of_element_located((By.ID, "section-training")))
    assert "群众之家阵地服务培训" in section.text and certificate.code in section.text
    _shot(browser, "person-record")
    browser.get(f"{live_server.url}/talent/cadres/{ma.pk}/")
    wait.until(ec.text_to_be_present_in_element((By.ID, "figure-hours"), "8"))
    _shot(browser, "cadre-record")

    assert organization_browser._severe_console_errors(browser) == []

    # The public check, signed out, from the link printed on the certificate.
    browser.get(f"{live_server.url}/talent/courses/{course.pk}/")
    verify = wait.until(ec.presence_of_element_located((By.LINK_TEXT, "核验"))).get_attribute("href")
    browser.delete_all_cookies()
    browser.set_window_size(*PHONE)
    browser.get(verify)
    result = wait.until(ec.presence_of_element_located((By.ID, "verify-result")))
    assert result.get_attribute("data-result") == "genuine"
    assert browser.find_element(By.ID, "verify-name").text == "马＊＊"
    assert "群众之家阵地服务培训" in result.text and "8 学时" in result.text
    _shot(browser, "verify-phone")
    code = browser.find_element(By.NAME, "code")
    code.clear()
    code.send_keys("ABCD-EFGH-JKMN-PQRS")
    _click(browser, browser.find_element(By.CSS_SELECTOR, "#verify-form button[type=submit]"))
    wait.until(replaced(result))
    wait.until(ec.text_to_be_present_in_element((By.ID, "verify-result"), "无法核验"))
    assert "马" not in browser.find_element(By.ID, "verify-result").text

    assert organization_browser._severe_console_errors(browser) == []
