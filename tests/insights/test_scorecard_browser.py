"""The 六共 dashboard in a real (headless) Chromium: the province's cards, chart and map of its 市州
render without a JavaScript error, and drilling down (by link or on the map) reaches a city and a
county. Screenshots go to /tmp/shots/scorecard-*.png and /tmp/shots/map.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

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


def _province_dashboard(browser, live_server) -> WebDriverWait:
    wait = WebDriverWait(browser, 10)
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys("province_admin")
    browser.find_element(By.NAME, "password").send_keys("pass-for-tests-42")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(ec.url_to_be(f"{live_server.url}/"))
    browser.find_element(By.LINK_TEXT, "六共指标").click()
    return wait


def test_the_dashboard_draws_its_charts_and_drills_down_to_a_county(
    browser,
    live_server,
    province_admin,
    xining,  # noqa: F811
):
    wait = _province_dashboard(browser, live_server)
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


# A point well inside a prefecture on the drawn map: the centroid of its largest ring. (Its label
# point, cp, is 西宁's city centre, a few pixels from 海东.) ECharts has decoded the vendored
# file's compressed rings into coordinates by the time the map is drawn.
FEATURE_PIXEL = """
var chart = echarts.getInstanceByDom(document.getElementById("children-map"));
var code = arguments[0];
var feature = echarts.getMap("青海").geoJSON.features.filter(function (f) { return f.id === code; })[0];
var polygons = feature.geometry.type === "Polygon" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
var best = null;
polygons.forEach(function (polygon) {
  var ring = polygon[0], area = 0, x = 0, y = 0;
  for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    var cross = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    area += cross;
    x += (ring[j][0] + ring[i][0]) * cross;
    y += (ring[j][1] + ring[i][1]) * cross;
  }
  if (!best || Math.abs(area) > Math.abs(best.area)) { best = {area: area, x: x / (3 * area), y: y / (3 * area)}; }
});
return chart.convertToPixel({seriesIndex: 0}, [best.x, best.y]);
"""


def test_the_province_map_colours_its_prefectures_and_a_click_on_xining_drills_down(
    browser,
    live_server,
    province_admin,
    xining,  # noqa: F811
):
    wait = _province_dashboard(browser, live_server)
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "六共指标：青海省"))
    holder = wait.until(ec.presence_of_element_located((By.ID, "children-map")))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#children-map canvas")))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", holder)
    x, y = browser.execute_script(FEATURE_PIXEL, "630100")
    offset = (round(x - holder.size["width"] / 2), round(y - holder.size["height"] / 2))
    ActionChains(browser).move_to_element_with_offset(holder, *offset).perform()
    tooltip = wait.until(lambda driver: "西宁市" in holder.text and holder.text)
    figure = browser.find_element(By.CSS_SELECTOR, "#chart-figure option:checked").text
    assert f"{figure}（" in tooltip  # the figure the map is coloured by, beside the name
    assert _errors(browser) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / "map.png"))

    # A share with no denominator in most prefectures: those are left uncoloured, without an error.
    Select(browser.find_element(By.ID, "chart-figure")).select_by_visible_text("组织覆盖率")
    ActionChains(browser).move_to_element_with_offset(holder, *offset).perform()
    wait.until(lambda driver: "组织覆盖率（%）：50" in holder.text)
    assert _errors(browser) == []

    ActionChains(browser).move_to_element_with_offset(holder, *offset).click().perform()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "六共指标：西宁市"))
    # Below the province the page has no map, only the chart.
    assert browser.find_elements(By.ID, "children-map") == []
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#children-chart canvas")))
    assert _errors(browser) == []
