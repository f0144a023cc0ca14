"""Debian's Chromium driven by Playwright, for the web tests (never a downloaded browser).

A page fails its test on any console error, uncaught exception or Content-Security-Policy
violation: the violations are turned into console errors by a script injected before any page
script runs, so nothing the strict CSP blocks can go unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def chromium_or_skip() -> None:
    """Without Chromium the browser tests skip locally, and fail in CI (CI=true)."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install Debian's chromium package"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls (setting
    # up personas) are still plain synchronous code, so Django may allow them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Session:
    """One person's browser tab, collecting every console error and page error."""

    def __init__(self, browser: Any, base_url: str, name: str):
        self.context = browser.new_context(
            base_url=base_url, viewport={"width": 1360, "height": 900}
        )
        self.context.add_init_script(REPORT_CSP)
        self.page = self.context.new_page()
        self.name = name
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} at {self.page.url}")

    def sign_in(self, username: str, password: str) -> None:
        self.page.goto("/accounts/login/")
        self.page.fill("input[name=login]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("form button[type=submit]")
        self.page.wait_for_load_state()

    def resize(self, width: int, height: int = 900) -> None:
        """Look at the page as on another screen: 1366 (a laptop) or 390 (a phone)."""
        self.page.set_viewport_size({"width": width, "height": height})

    def page_width(self) -> int:
        """How wide the page is drawn: wider than the window means a sideways scroll."""
        return int(self.page.evaluate("document.documentElement.scrollWidth"))

    def overflowing(self) -> list[str]:
        """The innermost elements that reach past the window's right edge (why a page scrolls
        sideways): tag, classes and width."""
        return list(
            self.page.evaluate(
                """() => {
                  const edge = document.documentElement.clientWidth;
                  const wide = [...document.querySelectorAll("body *")].filter(
                    (e) => e.getBoundingClientRect().right > edge + 1);
                  return wide.filter((e) => !wide.some((o) => o !== e && e.contains(o)))
                    .slice(0, 10).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList]
                      .join(".")} ${Math.round(e.getBoundingClientRect().width)}px`);
                }"""
            )
        )

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def assert_clean(self) -> None:
        assert self.errors == [], f"{self.name}'s browser reported errors: {self.errors}"

    def close(self) -> None:
        self.context.close()
