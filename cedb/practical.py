"""Practical conditions: named profiles and the yes / no / unknown verdict (pure).

The review (Section 2.5, Fig. 5, Table 2) counts a result as practical at a
current density of at least 1 mA cm⁻² and an areal capacity of at least
3 mAh cm⁻². Its text says "exceeds", but its own Table 2 and Fig. 5 include
results measured at exactly 1 mA cm⁻² or 3 mAh cm⁻², so the default profile
includes the boundary; ``strict`` applies the literal '>' reading.
"""

from dataclasses import dataclass, replace

from cedb.errors import InvalidValue


@dataclass(frozen=True)
class Threshold:
    field: str  # the measurement attribute
    label: str
    unit: str
    value: float
    op: str  # ">=" (at least) or "<=" (at most); strict turns them into > and <

    def applied_op(self, strict: bool = False) -> str:
        """The operator as applied: ``strict`` turns >= into > and <= into <."""
        return _STRICT.get(self.op, self.op) if strict else self.op

    def passes(self, value, strict: bool = False):
        """``value`` meets the threshold: a bool for a number, a SQL expression for a column.

        The one comparison every consumer asks (verdict, the query's SQL CASE, the
        plots' shaded region), so the rule cannot drift between Python and SQL. Plain
        operators work on both, so this module needs no database import (cedb.store).
        """
        op = self.applied_op(strict)
        if op == ">=":
            return value >= self.value
        if op == ">":
            return value > self.value
        if op == "<=":
            return value <= self.value
        return value < self.value

    def text(self, strict: bool = False) -> str:
        """The threshold as applied, e.g. 'current ≥ 1 mA cm⁻²'."""
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.label} {_SYMBOLS[self.applied_op(strict)]} {self.value:g}{unit}"


_STRICT = {">=": ">", "<=": "<"}
_SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    thresholds: tuple[Threshold, ...]

    def with_values(self, **values: float | None) -> "Profile":
        """The same profile with some thresholds changed, e.g. ``capacity=4``."""
        known = {t.field: t for t in self.thresholds}
        aliases = {"current": "current_density_mA_cm2", "capacity": "areal_capacity_mAh_cm2"}
        thresholds = list(self.thresholds)
        for name, value in values.items():
            if value is None:
                continue
            field = aliases.get(name, name)
            if field not in known:
                raise InvalidValue(f"profile {self.name!r} has no threshold {name!r}")
            thresholds = [replace(t, value=float(value)) if t.field == field else t for t in thresholds]
        return replace(self, thresholds=tuple(thresholds))


_CURRENT = "current_density_mA_cm2"
_CAPACITY = "areal_capacity_mAh_cm2"

PROFILES: dict[str, Profile] = {
    "review": Profile(
        "review",
        "Sun et al. 2025, Section 2.5 / Table 2: ≥ 1 mA cm⁻² and ≥ 3 mAh cm⁻²",
        (
            Threshold(_CURRENT, "current", "mA cm⁻²", 1.0, ">="),
            Threshold(_CAPACITY, "capacity", "mAh cm⁻²", 3.0, ">="),
        ),
    ),
    "recommended": Profile(
        "recommended",
        "the test condition the review recommends (Section 2.1): ≥ 1.0 mA cm⁻² and ≥ 5.0 mAh cm⁻²",
        (
            Threshold(_CURRENT, "current", "mA cm⁻²", 1.0, ">="),
            Threshold(_CAPACITY, "capacity", "mAh cm⁻²", 5.0, ">="),
        ),
    ),
    "pouch-500": Profile(
        "pouch-500",
        "Fig. 1a requirements for > 500 Wh kg⁻¹ pouch cells: N/P < 2, E/C < 1.5 g Ah⁻¹, "
        "cathode ≥ 5 mAh cm⁻², current ≥ 1 mA cm⁻²",
        (
            Threshold("np_ratio", "N/P", "", 2.0, "<"),
            Threshold("ec_ratio_g_Ah", "E/C", "g Ah⁻¹", 1.5, "<"),
            Threshold("cathode_loading_mAh_cm2", "cathode loading", "mAh cm⁻²", 5.0, ">="),
            Threshold(_CURRENT, "current", "mA cm⁻²", 1.0, ">="),
        ),
    ),
}


def rule_text(profile: Profile, *, strict: bool = False) -> str:
    """The thresholds as applied, e.g. 'review: current ≥ 1 mA cm⁻², capacity ≥ 3 mAh cm⁻²'."""
    return f"{profile.name} profile: " + ", ".join(t.text(strict) for t in profile.thresholds)


def get_profile(name: str = "review", **values: float | None) -> Profile:
    try:
        profile = PROFILES[name]
    except KeyError:
        raise InvalidValue(f"unknown profile {name!r}: choose one of {', '.join(PROFILES)}") from None
    return profile.with_values(**values)


@dataclass(frozen=True)
class Verdict:
    practical: bool | None  # None: a needed value is missing
    reasons: tuple[str, ...]

    @property
    def word(self) -> str:
        return {True: "yes", False: "no", None: "unknown"}[self.practical]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def _symbol(threshold: Threshold, strict: bool, passed: bool) -> str:
    op = threshold.applied_op(strict)
    if passed:
        return _SYMBOLS[op]
    return {">=": "<", ">": "≤", "<=": ">", "<": "≥"}[op]


def verdict(measurement, profile: Profile | None = None, *, strict: bool = False) -> Verdict:
    """Is ``measurement`` (any object or mapping with the fields) at practical conditions?

    No if any stated value fails; unknown if none fails but one is missing (missing is
    never treated as no); yes if all are stated and pass.
    """
    profile = profile or PROFILES["review"]
    get = measurement.get if isinstance(measurement, dict) else lambda f: getattr(measurement, f, None)
    failed: list[str] = []
    missing: list[str] = []
    passed: list[str] = []
    for threshold in profile.thresholds:
        value = get(threshold.field)
        unit = f" {threshold.unit}" if threshold.unit else ""
        if value is None:
            missing.append(f"{threshold.label} not stated")
            continue
        ok = bool(threshold.passes(float(value), strict))
        text = f"{threshold.label} {value:g} {_symbol(threshold, strict, ok)} {threshold.value:g}{unit}"
        (passed if ok else failed).append(text)
    if failed:
        return Verdict(False, tuple(failed))
    if missing:
        return Verdict(None, tuple(missing))
    return Verdict(True, tuple(passed))
