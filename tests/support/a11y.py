"""axe-core (shipped beside this module) run on a Playwright page: the WCAG 2.1 AA violations it finds, as text."""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE = Path(__file__).with_name("axe-core") / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def _source() -> str:
    return AXE.read_text()


def axe_violations(page) -> list[str]:
    """Each violation as `rule (impact): target: summary`; empty when the page passes.

    The script goes in through the DevTools protocol (page.evaluate), which the page's Content-Security-Policy does
    not govern, so the portal's policy stays exactly as production sends it.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_source())
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    found = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            found.append(f"{violation['id']} ({violation['impact']}): {node['target']}: {node['failureSummary']}")
    return found
