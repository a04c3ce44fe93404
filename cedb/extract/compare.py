"""Compare extracted candidates with results already in the database.

Conditions match when current density and areal capacity are equal (both
None counts as equal) and the cycle counts are equal where both are stated: a
candidate without a cycle count is the same experiment as a row with one. Same
conditions and a CE within ``CE_TOLERANCE_PERCENT`` is ``known``; same
conditions and another CE is a ``conflict``, reported with the existing row's
id; anything else is ``new``.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cedb.extract.api import Candidate

CE_TOLERANCE_PERCENT = 0.05  # reported CEs carry 1-2 decimals; 0.05 absorbs rounding


@dataclass(frozen=True)
class Comparison:
    """A candidate and what the database already says about it."""

    candidate: Candidate
    status: str  # "known", "conflict" or "new"
    existing_id: Any = None  # the matching row's id for known and conflict
    existing_ce_percent: float | None = None

    def to_dict(self) -> dict:
        return {**self.candidate.to_dict(), "status": self.status, "existing_id": self.existing_id,
                "existing_ce_percent": self.existing_ce_percent}  # fmt: skip


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def same_conditions(candidate: Candidate, row: Mapping[str, Any]) -> bool:
    """Equal current and capacity; equal cycles unless either side does not state them."""
    if not _same(candidate.current_density_mA_cm2, row.get("current_density_mA_cm2")):
        return False
    if not _same(candidate.areal_capacity_mAh_cm2, row.get("areal_capacity_mAh_cm2")):
        return False
    cycles = row.get("cycles")
    return candidate.cycles is None or cycles is None or int(cycles) == candidate.cycles


def compare(
    candidates: Iterable[Candidate],
    existing: Iterable[Mapping[str, Any]],
    *,
    paper: str | None = None,
) -> list[Comparison]:
    """Mark each candidate known, conflict or new against query rows (``paper`` limits the rows)."""
    rows = [r for r in existing if paper is None or r.get("paper") == paper]
    report = []
    for candidate in candidates:
        matching = [r for r in rows if same_conditions(candidate, r) and r.get("ce_percent") is not None]
        # A range ("97-99%") is known when the recorded value lies in it (drafts record its
        # upper end).
        low = candidate.ce_percent - CE_TOLERANCE_PERCENT - 1e-9
        high = (candidate.ce_high_percent or candidate.ce_percent) + CE_TOLERANCE_PERCENT + 1e-9
        known = [r for r in matching if low <= float(r["ce_percent"]) <= high]
        if known:
            report.append(Comparison(candidate, "known", _id(known[0]), float(known[0]["ce_percent"])))
        elif matching:
            report.append(Comparison(candidate, "conflict", _id(matching[0]), float(matching[0]["ce_percent"])))
        else:
            report.append(Comparison(candidate, "new"))
    return report


def _id(row: Mapping[str, Any]) -> Any:
    return row.get("id", row.get("result_id"))
