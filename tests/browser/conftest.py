"""A real browser for the end-to-end tests: Debian's Chromium driven by Playwright's sync API.

Playwright's own browser download is not used (no `playwright install`): the system Chromium is.
If it cannot start, the tests fail; they never skip, so a broken browser setup cannot pass unnoticed.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:  # whatever went wrong, the test must fail and say why
        playwright.stop()
        pytest.fail(f"Chromium ({CHROMIUM}) could not start: {exc}", pytrace=False)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(chromium):
    """A fresh browser context per test (no cookies carried over), in Vietnamese, desktop-sized."""
    context = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """`screenshot("name")` saves docs/screenshots/name.png, only when SCREENSHOTS=1 (for the README)."""

    def take(name: str) -> None:
        if os.environ.get("SCREENSHOTS") == "1":
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)

    return take
