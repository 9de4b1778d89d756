"""The analytics tables as CSV rows, and every table an export job can write."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from warranty_api.claims.exports import CLAIM_HEADER, claim_rows
from warranty_api.claims.models import Claim
from warranty_api.warranties.exports import WARRANTY_HEADER, warranty_rows

FAILURE_HEADER = ["key", "label", "units_known", "units_registered", "claims", "approved_claims", "rate", "rate_low",
                  "rate_high", "rate_known", "median_days_to_first_claim", "flag", "claims_by_issue_type"]


def failure_rate_rows(rows: list[dict]) -> Iterator[list]:
    for row in rows:
        yield [row[name] for name in FAILURE_HEADER]


_CLOCKS = ("first_response", "decision", "resolution")
CYCLE_HEADER = ["period", "start", "claims", *(f"count_{s}" for s in Claim.Status.values),
                *(f"time_to_{n}_hours_{q}" for n in _CLOCKS for q in ("p50", "p90"))]


def cycle_time_rows(rows: list[dict]) -> Iterator[list]:
    for row in rows:
        yield [row["period"], row["start"], row["claims"], *(row["counts"][s] for s in Claim.Status.values),
               *(row[f"time_to_{n}_hours"][q] for n in _CLOCKS for q in ("p50", "p90"))]


# name -> (header, rows): what an export job can write.
TABLES: dict[str, tuple[list[str], Callable]] = {
    "warranties": (WARRANTY_HEADER, warranty_rows),
    "claims": (CLAIM_HEADER, claim_rows),
    "failure_rates": (FAILURE_HEADER, failure_rate_rows),
    "claim_cycle_times": (CYCLE_HEADER, cycle_time_rows),
}
