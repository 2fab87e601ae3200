"""axe-core in a Playwright page: the WCAG 2.2 A/AA and best-practice rules, violations out.

The engine (tests/vendor/axe-core, MPL-2.0) is evaluated through the DevTools
protocol, which the page's Content-Security-Policy does not apply to.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """Each violated rule with its impact and the selectors of the offending nodes."""
    page.evaluate(_source() + "\n;undefined")
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')),
            }));
        }""",
        TAGS,
    )
    return found
