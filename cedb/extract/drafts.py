"""Candidates as draft results: curation-file measurements and ``cedb result add`` fields.

Every draft has ``status: draft`` and keeps the sentence as the source writes it
(Unicode minus and all) as its ``quote``; the note records the extractor's confidence
and reason, so a curator sees why a value was proposed. Mappings to the database vocabulary:

* qualifier -> statistic: "average" wins ("average, up to" is an average, as in
  curation/CURATION_RULES.md S1); "up to" -> maximum; ">" -> exceeding; others none;
* a range ("∼97–99%") -> its upper end, the highest value the text states, with statistic
  "maximum" ("average" when the text says average); both ends in the note, never a midpoint;
* method hint -> method: the reservoir method is Aurbach's; none -> "unspecified";
* ``location`` (``--location abstract``) -> every draft's location, the file and offsets
  then in the note; else "FILE, characters a-b";
* electrolyte and host text -> a draft strategy per distinct pair (category composite-anode
  when a host is named, else electrolyte), which the curator names and checks.

A draft document always passes ``cedb curate check``: two results with the same strategy
and conditions but different CEs (which the check refuses, since they cannot be told
apart) are each given a strategy of their own, labelled by where they were found.
"""

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cedb.errors import InvalidValue
from cedb.extract.api import Candidate
from cedb.terms import Method, parse_word


def _method(hint: str | None) -> str:
    """The stored method word of a method hint (cedb.terms reads it; unknown: unspecified)."""
    try:
        return parse_word(Method, hint or "", "method").value
    except InvalidValue:
        return "unspecified"


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


def measurement_fields(
    candidate: Candidate, *, where: str | None = None, location: str | None = None
) -> dict[str, Any]:
    """The result fields of one candidate (no None values), ready for a curation file.

    ``location`` (``--location``, e.g. "abstract") is the draft's location as given; the
    file and character offsets then go to the note, so the draft can still be traced.
    """
    note = f"cedb extract, confidence {candidate.confidence:.2f}: {candidate.reason}"
    ce, stat = candidate.ce_percent, statistic(candidate.qualifier)
    if candidate.ce_high_percent is not None:
        # Range policy (issue #13): the upper end, as the highest value the text states, with
        # statistic maximum (average when the text calls it one); both ends in the note,
        # never a midpoint. The lower end is not a result of its own.
        ce = candidate.ce_high_percent
        stat = "average" if stat == "average" else "maximum"
        note += (
            f"; the text gives a range, {candidate.ce_percent:g}-{candidate.ce_high_percent:g} %:"
            f" the upper end is recorded ({stat}); the lower end, {candidate.ce_percent:g} %,"
            " is not a result of its own"
        )
    if candidate.qualifier:
        note += f"; wording: {candidate.qualifier}"
    if location is not None:
        note += f"; found at {_location(candidate, where)}"
    fields = {
        "strategy": None,
        "cell": candidate.cell,
        "method": _method(candidate.method_hint),
        "current_density_mA_cm2": candidate.current_density_mA_cm2,
        "areal_capacity_mAh_cm2": candidate.areal_capacity_mAh_cm2,
        "cycles": candidate.cycles,
        "ce_percent": ce,
        "statistic": stat,
        "location": location if location is not None else _location(candidate, where),
        "quote": candidate.quote or candidate.sentence,
        "status": "draft",
        "note": note,
    }
    return {k: _plain(v) for k, v in fields.items() if v is not None}


def _location(candidate: Candidate, where: str | None) -> str:
    place = f"characters {candidate.start}-{candidate.end}"
    if not where:
        return place
    room = LOCATION_LENGTH - len(place) - 2
    return f"{where[:room]}, {place}" if room > 0 else place[:LOCATION_LENGTH]


LOCATION_LENGTH = 200  # the database's limit for a measurement's location


def check_location(location: str | None) -> str | None:
    """``--location`` as given, stripped; refused when empty or too long for the database."""
    if location is None:
        return None
    location = location.strip()
    if not location or len(location) > LOCATION_LENGTH:
        raise InvalidValue(f"--location must be 1 to {LOCATION_LENGTH} characters (e.g. --location abstract)")
    return location


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def draft_document(
    candidates: Iterable[Candidate],
    *,
    paper: str,
    where: str | None = None,
    location: str | None = None,
) -> dict:
    """A curation-file mapping for ``paper`` with one draft measurement per distinct candidate.

    Two candidates with the same conditions and CE (a value repeated in the text) give
    one measurement. The electrolyte and host each candidate's text names become draft
    strategies.
    """
    if not paper or not paper.strip():
        raise InvalidValue("drafts need the paper's citation key: give --paper KEY")
    location = check_location(location)
    measurements, seen, strategies = [], set(), {}
    for candidate in candidates:
        fields = measurement_fields(candidate, where=where, location=location)
        pair = (candidate.electrolyte, candidate.host)
        if any(pair):
            if pair not in strategies:
                strategies[pair] = _strategy(*pair, taken={s["label"] for s in strategies.values()})
            fields = {"strategy": strategies[pair]["label"], **fields}
        identity = tuple(fields.get(k) for k in ("strategy", *_IDENTITY))
        if identity in seen:
            continue
        seen.add(identity)
        measurements.append(fields)
    extra = _separate_lookalikes(measurements, {s["label"] for s in strategies.values()})
    document: dict[str, Any] = {"reference": {"key": paper.strip()}}
    if strategies or extra:
        document["strategies"] = [*strategies.values(), *extra]
    document["measurements"] = measurements
    return document


def _strategy(electrolyte: str | None, host: str | None, *, taken: set[str]) -> dict[str, Any]:
    label = (host or electrolyte or "")[:STRATEGY_LABEL_LENGTH]
    base, n = label, 2
    while label in taken:
        suffix = f" ({n})"
        label, n = base[: STRATEGY_LABEL_LENGTH - len(suffix)] + suffix, n + 1
    strategy: dict[str, Any] = {
        "label": label,
        "category": "composite-anode" if host else "electrolyte",
    }
    if host:
        strategy["host"] = host
    if electrolyte:
        strategy["electrolyte"] = electrolyte
    strategy["description"] = "draft by cedb extract from the text's own words: name and check it"
    return strategy


def _separate_lookalikes(measurements: list[dict], taken: set[str]) -> list[dict[str, Any]]:
    """Give results that ``curate check`` could not tell apart a strategy of their own."""
    from cedb.results import CONDITION_FIELDS

    first: dict[tuple, dict] = {}
    extra = []
    for fields in measurements:
        identity = (fields.get("strategy"),) + tuple(fields.get(k) for k in CONDITION_FIELDS)
        if identity not in first:
            first[identity] = fields
            continue
        label = f"draft: CE {fields['ce_percent']} % at {fields['location']}"[:STRATEGY_LABEL_LENGTH]
        n = 2
        while label in taken:
            label = f"{label[: STRATEGY_LABEL_LENGTH - 5]} ({n})"
            n += 1
        taken.add(label)
        extra.append(
            {
                "label": label,
                "category": "other",
                "description": "cedb extract found another result with the same conditions: say what tells them apart",
            }
        )
        rest = {k: v for k, v in fields.items() if k != "strategy"}
        fields.clear()
        fields.update({"strategy": label, **rest})
    return extra


STRATEGY_LABEL_LENGTH = 200


def write_drafts(
    candidates: Iterable[Candidate],
    *,
    paper: str,
    directory: Path,
    where: str | None = None,
    location: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``directory/<paper>.yaml`` with the drafts; refuses to replace a file unless told."""
    from cedb import curation

    document = draft_document(candidates, paper=paper, where=where, location=location)
    from cedb import outputs

    path = Path(directory) / curation.file_name(paper.strip())
    # lexists: a symlink (even a dangling one) counts as a file; it is replaced, never followed.
    if os.path.lexists(path) and not overwrite:
        raise InvalidValue(f"{path} exists: review it, or pass --force to replace it")
    with outputs.writing() as batch:
        batch.directory(path.parent)
        batch.write_text(path, curation.dumps(document))
    return path
