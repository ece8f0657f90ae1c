"""Waits for the browser tests' headless Chromium."""

from __future__ import annotations

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support import wait as selenium_wait


def poll_through_replaced_nodes() -> None:
    """Every explicit wait keeps polling when Chromium answers about a node of the page being
    replaced with an inspector error ("Node with given id does not belong to the document", a
    plain WebDriverException) where a stale-element error was due: the next poll finds the new
    page. A wait that never succeeds still fails, with its timeout. (WebDriverWait copies this
    tuple when it is made.)"""
    selenium_wait.IGNORED_EXCEPTIONS = (WebDriverException,)


def replaced(element):
    """`ec.staleness_of` for this Chromium, where a node of the page being replaced may answer with
    an inspector error instead of a stale element error (and the setting above would have
    `staleness_of` poll through it for ever). Either way, the page it belonged to is gone."""

    def gone(_driver) -> bool:
        try:
            element.is_enabled()
        except WebDriverException:  # StaleElementReferenceException among them
            return True
        return False

    return gone
