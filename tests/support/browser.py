"""The machine's Chromium, driven by Playwright, for the browser tests: their marks, one launch, and the admin's
sign-in. The `browser` fixture (tests/conftest.py) is built on `chromium()`.

Screenshots need no folder made first: Playwright creates the folders of a screenshot's path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
# A browser test module's `pytestmark`: without Chromium its tests skip, and in CI such a skip fails
# (tests/conftest.py).
BROWSER_TEST = [pytest.mark.browser, needs_chromium]


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed when the block ends."""
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def new_page(browser: Browser, viewport: dict = DESKTOP, **context) -> Page:
    """A page of a fresh browser context of that size, waiting up to 15 s for what it is told to find."""
    page = browser.new_context(viewport=viewport, **context).new_page()
    page.set_default_timeout(15_000)
    return page


def fits_width(page: Page) -> bool:
    """Nothing sticks out sideways: the page scrolls only up and down."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def admin_screenshot(page: Page, path: str) -> None:
    """The whole screen: Wagtail's admin scrolls inside its main element, so the window is made as tall as it."""
    size = page.viewport_size
    height = page.evaluate("Math.max(document.querySelector('main').scrollHeight, window.innerHeight)")
    page.set_viewport_size({"width": size["width"], "height": min(height, 6000)})
    page.screenshot(path=path)
    page.set_viewport_size(size)


def admin_sign_in(page: Page, base: str, email: str, password: str) -> None:
    """Sign in to Wagtail's admin, and wait for its dashboard."""
    page.goto(f"{base}/admin/login/")
    assert "Sign in to Aftersale" in page.content()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/admin/")
