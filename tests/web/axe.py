"""axe-core in the browser tests: every page a journey visits is checked for accessibility.

    from tests.web.axe import assert_accessible
    assert_accessible(session.page, "desk-queue-1366")   # a Playwright Page (or a Session)

injects axe-core into the page, runs it, saves a full-page screenshot under
``test-artifacts/screenshots/<name>.png`` and fails the test on any violation of impact
"serious" or "critical", listing each rule with the elements it found. The screenshot's path is
printed, so pytest shows it with the test's captured output (``-rA`` for passing tests too), and
named in the failure message.

axe-core comes from the test-only dependency ``axe-playwright-python``, which ships
``axe.min.js`` in its wheel: nothing is fetched at run time and the app never serves it.
Injected through ``page.evaluate`` (DevTools), it is not subject to the page's CSP.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.base import AXE_SCRIPT

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FAILING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA plus axe's best practices; a violation of impact serious/critical fails.
RUN_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}


def page_of(page_or_session: Any) -> Any:
    """Accept a Playwright Page or a tests.web.browser.Session."""
    return getattr(page_or_session, "page", page_or_session)


def screenshot(page_or_session: Any, name: str) -> Path:
    """Save a full-page screenshot and print its path into the test's output."""
    page = page_of(page_or_session)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{safe_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path} ({page.url})")
    return path


def axe_violations(page_or_session: Any, context: Any = None) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now and return its violations (all impacts)."""
    page = page_of(page_or_session)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "([context, options]) => context ? axe.run(context, options) : axe.run(document, options)",
        [context, RUN_OPTIONS],
    )
    return list(results["violations"])


def assert_accessible(page_or_session: Any, name: str, context: Any = None) -> None:
    """Screenshot the page and fail on any serious or critical axe-core violation."""
    shot = screenshot(page_or_session, name)
    failing = [
        v for v in axe_violations(page_or_session, context) if v["impact"] in FAILING_IMPACTS
    ]
    if failing:
        pytest.fail(
            f"axe-core found {len(failing)} serious/critical violation(s) on "
            f"{page_of(page_or_session).url} (screenshot {shot}):\n{report(failing)}",
            pytrace=False,
        )


def report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            target = ", ".join(str(t) for t in node["target"])
            lines.append(f"    {target}: {node.get('failureSummary', '').splitlines()[-1:]}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
