"""Candidates as draft results: curation-file measurements and ``cedb result add`` fields.

Every draft has ``status: draft`` and keeps the sentence as its ``quote``; the
note records the extractor's confidence and reason, so a curator sees why a
value was proposed. Mappings to the database vocabulary:

* qualifier -> statistic: "average" wins ("average, up to" is an average, as in
  curation/CURATION_RULES.md S1); "up to" -> maximum; ">" -> exceeding; others none;
* method hint -> method: the reservoir method is Aurbach's; none -> "unspecified".
"""

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cedb.errors import InvalidValue
from cedb.extract.api import Candidate

_METHODS = {"aurbach": "aurbach", "reservoir": "aurbach", "zhang": "zhang", "chiang": "chiang",
            "conventional": "conventional"}  # fmt: skip


# A result's identity in a curation file: its conditions and CE.
_IDENTITY = ("cell", "method", "current_density_mA_cm2", "areal_capacity_mAh_cm2", "cycles",
             "ce_percent")  # fmt: skip


def statistic(qualifier: str | None) -> str | None:
    """The ``statistic`` word of a qualifier, or None when the text does not say."""
    words = (qualifier or "").split(", ")
    if "average" in words:
        return "average"
    if "up to" in words:
        return "maximum"
    if ">" in words:
        return "exceeding"
    return None


def measurement_fields(candidate: Candidate, *, where: str | None = None) -> dict[str, Any]:
    """The result fields of one candidate (no None values), ready for a curation file."""
    note = f"cedb extract, confidence {candidate.confidence:.2f}: {candidate.reason}"
    if candidate.ce_high_percent is not None:
        note += f"; CE given as a range up to {candidate.ce_high_percent:g} %"
    if candidate.qualifier:
        note += f"; wording: {candidate.qualifier}"
    fields = {
        "cell": candidate.cell,
        "method": _METHODS.get(candidate.method_hint or "", "unspecified"),
        "current_density_mA_cm2": candidate.current_density_mA_cm2,
        "areal_capacity_mAh_cm2": candidate.areal_capacity_mAh_cm2,
        "cycles": candidate.cycles,
        "ce_percent": candidate.ce_percent,
        "statistic": statistic(candidate.qualifier),
        "location": f"{where}, characters {candidate.start}-{candidate.end}"
        if where
        else f"characters {candidate.start}-{candidate.end}",
        "quote": candidate.sentence,
        "status": "draft",
        "note": note,
    }
    return {k: _plain(v) for k, v in fields.items() if v is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def draft_document(
    candidates: Iterable[Candidate], *, paper: str, where: str | None = None
) -> dict:
    """A curation-file mapping for ``paper`` with one draft measurement per distinct candidate.

    Two candidates with the same conditions and CE (a value repeated in the text) give
    one measurement.
    """
    if not paper or not paper.strip():
        raise InvalidValue("drafts need the paper's citation key: give --paper KEY")
    measurements, seen = [], set()
    for candidate in candidates:
        fields = measurement_fields(candidate, where=where)
        identity = tuple(fields.get(k) for k in _IDENTITY)
        if identity in seen:
            continue
        seen.add(identity)
        measurements.append(fields)
    return {"reference": {"key": paper.strip()}, "measurements": measurements}


def write_drafts(
    candidates: Iterable[Candidate],
    *,
    paper: str,
    directory: Path,
    where: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``directory/<paper>.yaml`` with the drafts; refuses to replace a file unless told."""
    from cedb import curation

    document = draft_document(candidates, paper=paper, where=where)
    from cedb import outputs

    path = Path(directory) / curation.file_name(paper.strip())
    # lexists: a symlink (even a dangling one) counts as a file; it is replaced, never followed.
    if os.path.lexists(path) and not overwrite:
        raise InvalidValue(f"{path} exists: review it, or pass --force to replace it")
    with outputs.writing() as batch:
        batch.directory(path.parent)
        batch.write_text(path, curation.dumps(document))
    return path
