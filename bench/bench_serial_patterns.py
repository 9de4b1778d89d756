"""Serial patterns: the worst match time of patterns the static check lets through, against ones it refuses.

Each pattern is matched whole (as registration does, case-insensitively) against adversarial serials of the
longest length registration takes (100 characters): one character repeated, then a character that fails the
match, which makes a backtracking engine try every way of splitting the run. Refused patterns are timed on
shorter inputs (their time doubles with each character), so the run stays short; the line says which length.
"""

from __future__ import annotations

import re
import time

ACCEPTED = [
    r"SN-[A-Z]{2}-[0-9]{6,8}",
    r"[A-Z]+-\d+-[A-Z]+",
    r"\d*\d*\d*X",
    r".*.*.*",
    r"(?:[A-Z]{2}-)+\d+",
    r"(?:SN|XY)-\d+",
]
REFUSED = [(r"(a+)+$", 22), (r"(a|aa)+$", 30), (r"(\d{1,3})*X", 24)]


def _worst(pattern: str, length: int) -> float:
    compiled = re.compile(pattern, re.IGNORECASE)
    worst = 0.0
    for char in ("a", "1", "A", "-"):
        probe = char * (length - 1) + "!"
        started = time.perf_counter()
        compiled.fullmatch(probe)
        worst = max(worst, time.perf_counter() - started)
    return worst


def run():
    from warranty_api.tenancy.patterns import pattern_problem  # plain Python: no Django set-up needed

    accepted_worst = 0.0
    for pattern in ACCEPTED:
        assert pattern_problem(pattern) is None, pattern
        worst = _worst(pattern, 100)
        accepted_worst = max(accepted_worst, worst)
        yield f"accepted {pattern!r:28} worst of 100 chars: {worst * 1000:8.3f} ms"
    for pattern, length in REFUSED:
        assert pattern_problem(pattern) is not None, pattern
        worst = _worst(pattern, length)
        yield (f"refused  {pattern!r:28} worst of {length} chars: {worst * 1000:8.3f} ms "
               f"({worst / accepted_worst:,.0f}x the worst accepted at 100 chars)")
