"""Playwright for Python driving Debian's Chromium against pytest-django's live server.

The browser is Debian's (``/usr/bin/chromium``); ``playwright install`` is never run.
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import skip_unless_required
from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests
# (and the live server's database access) are plain synchronous code all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
LANGUAGES = {"zh-hans": "zh-CN", "en": "en-US"}  # Accept-Language → browser locale
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session", autouse=True)
def _browser_available():
    """Say why before any worker, server or test file is started for nothing."""
    if not CHROMIUM.exists():
        skip_unless_required(f"Chromium not installed at {CHROMIUM}: apt-get install chromium")
    try:
        import playwright  # noqa: F401
    except ImportError:
        skip_unless_required("Playwright not installed: pip install -r requirements-dev.txt")


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_browser(chromium, live_server):
    """A new browser session (its own cookies) in a language: ``open_browser("en")``."""
    contexts = []

    def open_(language: str = "zh-hans", viewport: dict = DESKTOP):
        context = chromium.new_context(
            base_url=live_server.url,
            locale=LANGUAGES[language],
            extra_http_headers={"Accept-Language": language},
            viewport=viewport,
            accept_downloads=True,
        )
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        page.js_errors = errors
        return page

    yield open_
    for context in contexts:
        context.close()


def log_in(page, user) -> None:
    """Through the real login form, as a user would."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def number(text: str) -> int:
    """A figure as the page shows it (1,234 or 1234)."""
    return int(re.sub(r"[^\d]", "", text))
