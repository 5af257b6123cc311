"""The course website in a real browser, opened from files with the network blocked.

Headless Chromium from the system (Debian: chromium and chromium-driver), driven by Selenium,
as in test_browser.py; skipped, with the reason, where they are absent. Every request to
http(s) is blocked through the DevTools protocol, and every request the pages make is
recorded: a CDN or web font would show up as a blocked request or a console error.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import CHROMEDRIVER, CHROMIUM, chromium_options, course_site

from course_lib.site import REFERENCE_PAGES

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
COURSE_ORDER = [
    "index",
    *(p.stem for p in NOTEBOOKS),
    *(page.removesuffix(".md") for page in REFERENCE_PAGES),
]

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no Chromium and chromedriver on PATH (Debian: apt-get install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out, build = course_site(tmp_path_factory.getbasetemp())  # test_site.py asserts how the build went
    assert build["returncode"] == 0, build["stderr"][-3000:]
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    profile = tempfile.mkdtemp(prefix="course-chromium-")
    options = chromium_options(webdriver, profile)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]}
        )
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def assert_quiet(driver) -> None:
    """No console error, and no request that leaves the files of the site."""
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors
    requested = [
        message["params"]["request"]["url"]
        for message in (json.loads(entry["message"])["message"] for entry in driver.get_log("performance"))
        if message["method"] == "Network.requestWillBeSent"
    ]
    assert requested, "no request recorded: is the performance log on?"
    outside = [url for url in requested if url.startswith(("http:", "https:", "ws:", "wss:", "ftp:", "//"))]
    assert not outside, outside


def wait_for(find, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.2)
    return find()


def page_name_of(url: str) -> str:
    return url.split("/")[-1].split("#")[0].split("?")[0].removesuffix(".html")


def page_name(driver) -> str:
    return page_name_of(driver.current_url)


def test_search_for_missinggreenlet_finds_the_gallery_and_the_lesson(site: Path, browser) -> None:
    browser.get((site / "index.html").as_uri())
    box = browser.find_element("css selector", "input.md-search__input")
    box.click()
    box.send_keys("MissingGreenlet")
    links = wait_for(
        lambda: [
            a.get_attribute("href") for a in browser.find_elements("css selector", "a.md-search-result__link")
        ]
    )
    assert any("errors.html" in link and "#missinggreenlet" in link for link in links), links
    lessons = [link for link in links if "/0" in link and "#" in link]  # a section of a notebook's page
    assert lessons, links
    # The gallery entry links on to the section that explains it, and that section exists.
    browser.get(next(link for link in links if "#missinggreenlet" in link))
    section = browser.find_element("id", "missinggreenlet")
    entry = section.find_element("xpath", "following-sibling::div[contains(@class, 'error-entry')][1]")
    assert "MissingGreenlet:" in entry.text
    entry.find_element("css selector", "a").click()
    anchor = browser.current_url.split("#")[1]
    assert browser.find_element("id", anchor).is_displayed()
    assert_quiet(browser)


def test_next_and_previous_walk_the_course_in_order(site: Path, browser) -> None:
    # Every page loads the search index (about a second each), so the walk goes forward by
    # clicking "next", reads where each page's "previous" link leads (its href as the browser
    # resolves it), and follows one "previous" link back at the end.
    browser.get((site / "index.html").as_uri())
    walked, previous = [page_name(browser)], []
    while True:
        back = browser.find_elements("css selector", "a.md-footer__link--prev")
        previous.append(page_name_of(back[0].get_attribute("href")) if back else None)
        nexts = browser.find_elements("css selector", "a.md-footer__link--next")
        if not nexts:
            break
        nexts[0].click()
        walked.append(page_name(browser))
        assert len(walked) <= len(COURSE_ORDER), walked
    assert walked == COURSE_ORDER
    assert previous == [None, *COURSE_ORDER[:-1]]
    back[0].click()
    assert page_name(browser) == COURSE_ORDER[-2]
    assert_quiet(browser)


def test_a_plot_renders_and_solutions_start_collapsed(site: Path, browser) -> None:
    plots = sorted((site / "images").glob("*.png"))
    assert plots, "no notebook has a plot"
    browser.get((site / f"{plots[0].name.split('-')[0]}.html").as_uri())
    image = browser.find_element("css selector", f"img[src='images/{plots[0].name}']")
    browser.execute_script("arguments[0].scrollIntoView()", image)
    assert wait_for(
        lambda: browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image)
    )
    assert image.size["width"] > 100 and image.is_displayed()
    assert len(image.get_attribute("alt")) > 10  # the summary its cell printed, for screen readers

    browser.get((site / "03_relationships.html").as_uri())
    solutions = browser.find_elements("css selector", "details.success")
    assert solutions
    for solution in solutions:
        assert solution.get_attribute("open") is None
        assert not solution.find_element("css selector", "pre").is_displayed()
    solutions[0].find_element("css selector", "summary").click()
    assert solutions[0].find_element("css selector", "pre").is_displayed()
    code = browser.find_element("css selector", "pre > code")
    browser.execute_script("arguments[0].scrollIntoView()", code)
    assert wait_for(lambda: browser.find_elements("css selector", "pre button[data-md-type='copy']")), (
        "no copy button"
    )
    assert_quiet(browser)
