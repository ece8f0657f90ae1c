"""Waits for the browser tests' headless Chromium."""

from __future__ import annotations

from selenium.common.exceptions import WebDriverException


def replaced(element):
    """`ec.staleness_of` for this Chromium: a node of the page being replaced may answer with an
    inspector error ("Node with given id does not belong to the document") instead of a stale
    element error. Either way, the page it belonged to is gone."""

    def gone(_driver) -> bool:
        try:
            element.is_enabled()
        except WebDriverException:  # StaleElementReferenceException among them
            return True
        return False

    return gone
