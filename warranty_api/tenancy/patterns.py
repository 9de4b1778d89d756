"""Regular expressions a brand writes (serial formats, product patterns): valid, and unable to stall a match.

Python's `re` backtracks, and a pattern such as `(a+)+$` takes seconds on a 25-character serial: one brand's
rule would hold a registration worker. Patterns are checked statically when they are saved, so registration
keeps matching with plain `re` at full speed. Refused: a variable repeat inside another repeat (`(a+)+`,
`(\\d{1,3})*`), alternatives inside a repeat (`(a|aa)+`), back-references, and more open-ended repeats than
`MAX_OPEN_REPEATS` in one pattern (each adds a factor of the serial's length to the worst case). Serials are at
most 100 characters, so what passes matches in milliseconds whatever the input.
"""

from __future__ import annotations

import re
from re import _constants as _c  # the parser's own names (Python 3.11+; before, `sre_constants`)
from re import _parser as _sre

MAX_PATTERN_LENGTH = 300
MAX_OPEN_REPEATS = 3
MAX_VARIABLE_REPEATS = 8
# A repeat whose count may vary by more than this is "open-ended" for the budget (`+`, `*`, `{0,50}`).
_OPEN_SPAN = 10

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` may not be a serial rule (a message completing "<path>: ..."), or None when it may."""
    try:
        re.compile(pattern)
        parsed = _sre.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"is not a valid regular expression ({exc})"
    budget = {"open": 0, "variable": 0}
    problem = _walk(parsed, under_repeat=False, budget=budget)
    if problem:
        return problem
    if budget["open"] > MAX_OPEN_REPEATS:
        return (
            f"has {budget['open']} open-ended repeats (+, *, {{m,n}}); at most {MAX_OPEN_REPEATS} keep matching fast"
        )
    if budget["variable"] > MAX_VARIABLE_REPEATS:
        return f"has {budget['variable']} variable repeats; at most {MAX_VARIABLE_REPEATS} keep matching fast"
    return None


def _walk(sub, *, under_repeat: bool, budget: dict) -> str | None:
    for op, av in sub:
        problem = None
        if op in _REPEATS:
            low, high, body = av
            variable = high != low
            if variable and under_repeat:
                return "repeats a group that itself repeats (like (a+)+), which can take too long to match"
            if variable:
                budget["variable"] += 1
                if high == _c.MAXREPEAT or high - low > _OPEN_SPAN:
                    budget["open"] += 1
            problem = _walk(body, under_repeat=under_repeat or high > 1, budget=budget)
        elif op is getattr(_c, "POSSESSIVE_REPEAT", None):
            # A possessive repeat never gives back what it took, so it cannot backtrack into itself.
            problem = _walk(av[2], under_repeat=under_repeat, budget=budget)
        elif op is _c.SUBPATTERN:
            problem = _walk(av[-1], under_repeat=under_repeat, budget=budget)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            problem = _walk(av, under_repeat=under_repeat, budget=budget)
        elif op is _c.BRANCH:
            if under_repeat:
                return "repeats a choice of alternatives (like (a|aa)+), which can take too long to match"
            for branch in av[1]:
                problem = problem or _walk(branch, under_repeat=under_repeat, budget=budget)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            problem = _walk(av[1], under_repeat=under_repeat, budget=budget)
        elif op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
            return "uses a back-reference, which serial rules may not"
        if problem:
            return problem
    return None
