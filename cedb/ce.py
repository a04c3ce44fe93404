"""Coulombic efficiency (CE) methods of the review's Table 1 and the cycle life they imply.

Equation numbers refer to Sun et al., EES Batteries 2025, 1, 340-363, section 2.3.
Every method returns a frozen ``CEResult`` whose ``inputs`` dict records the
parameters used, so the CLI can print it and the database can store it as
``method_params``.

Capacities: each method works on ratios of capacities, so any one capacity unit
(mAh, mAh cm^-2, C) may be used as long as all arguments of one call share it.
CE is passed and returned in percent (``ce_percent``) to avoid the 0.999 vs 99.9
ambiguity; the only fraction in the API is ``retention`` (0 < retention < 1).

Pure: no printing, no database, no heavy imports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from cedb.errors import InvalidValue

DEFAULT_RETENTION = 0.8


@dataclass(frozen=True)
class CEResult:
    """The average CE a method computed, with the inputs it used."""

    method: str
    ce_percent: float
    lce: float | None
    cycles: int | None
    inputs: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (keys method, ce_percent, lce, cycles, inputs)."""
        return asdict(self)


@dataclass(frozen=True)
class LifeResult:
    """Cycle life and CE linked by the anode-free or excess-Li relation."""

    ce_percent: float
    lce: float | None
    cycles: int
    cycles_exact: float
    inputs: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (keys ce_percent, lce, cycles, cycles_exact, inputs)."""
        return asdict(self)


# --- checks -----------------------------------------------------------------------------


def _positive(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise InvalidValue(f"{name} must be a positive capacity, got {value:g}; pass a value > 0")
    return value


def _non_negative(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise InvalidValue(f"{name} must be zero or positive, got {value:g}; pass a value >= 0")
    return value


def _cycle_count(name: str, value: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise InvalidValue(f"{name} must be a whole number of cycles >= 1, got {value!r}")
    return int(value)


def _retention(value: float) -> float:
    value = float(value)
    if not 0 < value < 1:
        raise InvalidValue(f"retention must be a fraction between 0 and 1 (e.g. 0.8 for 80 %), got {value:g}")
    return value


def _ce_percent(value: float) -> float:
    value = float(value)
    if not 0 < value < 100:
        raise InvalidValue(f"CE must be in percent, strictly between 0 and 100 (e.g. 99.9), got {value:g}")
    return value


# --- logarithmic CE ---------------------------------------------------------------------


def lce(ce_percent: float) -> float:
    """Logarithmic CE, LCE = -log10(1 - CE), of a CE given in percent (99.9 -> 3.0)."""
    return -math.log10(1 - _ce_percent(ce_percent) / 100)


def ce_percent_from_lce(lce_value: float) -> float:
    """The CE in percent whose logarithmic CE is ``lce_value`` (3.0 -> 99.9)."""
    lce_value = float(lce_value)
    if not math.isfinite(lce_value) or lce_value <= 0:
        raise InvalidValue(f"LCE must be a positive number (3 means 99.9 %), got {lce_value:g}")
    return 100 * (1 - 10 ** (-lce_value))


def lce_or_none(ce_percent: float | None) -> float | None:
    """``lce(ce_percent)``, or None where it is undefined (no CE, or CE at or past 0 or 100 %).

    A measured average can reach or pass 100 % (noise, recovered dead Li); its LCE is
    undefined, so tables and calculations show None instead of failing.
    """
    return lce(ce_percent) if ce_percent is not None and 0 < ce_percent < 100 else None


def _result(method: str, ce_fraction: float, cycles: int | None, inputs: dict) -> CEResult:
    if ce_fraction <= 0:
        raise InvalidValue(
            f"the {method} inputs imply a CE of {100 * ce_fraction:.3g} % (<= 0); "
            "check the cycle count and that all capacities share one unit"
        )
    ce_percent = 100 * ce_fraction
    return CEResult(method, ce_percent, lce_or_none(ce_percent), cycles, inputs)


# --- half cells (eqns 1-4) --------------------------------------------------------------


def conventional(
    plated: float | Sequence[float],
    stripped: float | Sequence[float],
    *,
    skip_cycles: int = 0,
) -> CEResult:
    """Conventional CE: the mean of Q_stripping / Q_plating over n cycles (eqns 1-2).

    ``plated`` and ``stripped`` are one capacity each or one per cycle, cycle 1
    first. ``skip_cycles`` leaves out the first k formation cycles, whose CE is
    low while the SEI grows (review section 2.3.1), before averaging. A single
    stripped capacity may be 0 (a dead cell strips nothing); plated ones must be > 0.
    """
    plated_list = [plated] if isinstance(plated, (int, float)) else list(plated)
    stripped_list = [stripped] if isinstance(stripped, (int, float)) else list(stripped)
    if len(plated_list) != len(stripped_list):
        raise InvalidValue(
            f"got {len(plated_list)} plated and {len(stripped_list)} stripped capacities; pass one of each per cycle"
        )
    if not plated_list:
        raise InvalidValue("no cycles given; pass at least one plated and stripped capacity")
    if isinstance(skip_cycles, bool) or int(skip_cycles) != skip_cycles or skip_cycles < 0:
        raise InvalidValue(f"skip_cycles must be a whole number >= 0, got {skip_cycles!r}")
    if skip_cycles >= len(plated_list):
        raise InvalidValue(
            f"skip_cycles={skip_cycles} leaves no cycle of {len(plated_list)} to average; skip fewer cycles"
        )
    per_cycle = []
    for index, (q_p, q_s) in enumerate(zip(plated_list, stripped_list), start=1):
        q_p = _positive(f"plated capacity of cycle {index}", q_p)
        q_s = _non_negative(f"stripped capacity of cycle {index}", q_s)
        per_cycle.append(q_s / q_p)  # eqn 1
    kept = per_cycle[skip_cycles:]
    inputs = {
        "plated": [float(q) for q in plated_list],
        "stripped": [float(q) for q in stripped_list],
        "skip_cycles": int(skip_cycles),
    }
    return _result("conventional", sum(kept) / len(kept), len(kept), inputs)  # eqn 2


def _reservoir_ce(q_total: float, q_cycled: float, cycles: int, q_stripped: float) -> float:
    """Eqn 3: CE_avg = (n Q_C + Q_S) / (n Q_C + Q_T), after the checks."""
    if q_stripped > q_total:
        raise InvalidValue(
            f"Q_S ({q_stripped:g}) is larger than the reservoir Q_T ({q_total:g}); "
            "the final strip cannot recover more Li than was deposited, check the values"
        )
    if q_cycled > q_total:
        raise InvalidValue(
            f"Q_C ({q_cycled:g}) is larger than the reservoir Q_T ({q_total:g}); "
            "Q_C is the fraction of the reservoir cycled each time, check the values"
        )
    return (cycles * q_cycled + q_stripped) / (cycles * q_cycled + q_total)


def aurbach(q_total: float, q_cycled: float, cycles: int, q_stripped: float) -> CEResult:
    """Aurbach reservoir CE: (n Q_C + Q_S) / (n Q_C + Q_T) (eqn 3).

    Q_T is the Li reservoir first deposited on Cu, Q_C the capacity plated and
    stripped in each of the n cycles on top of it, Q_S what the final strip to
    the cut-off voltage recovers. Q_S may be 0 (the reservoir was used up).
    """
    q_total = _positive("Q_T (reservoir)", q_total)
    q_cycled = _positive("Q_C (cycled capacity)", q_cycled)
    cycles = _cycle_count("n (cycles)", cycles)
    q_stripped = _non_negative("Q_S (final strip)", q_stripped)
    ce = _reservoir_ce(q_total, q_cycled, cycles, q_stripped)
    inputs = {"q_total": q_total, "q_cycled": q_cycled, "cycles": cycles, "q_stripped": q_stripped}
    return _result("aurbach", ce, cycles, inputs)


def formation_charge(formation_cycles: int, current: float, time: float) -> float:
    """Charge Q_0 = n i t passed to pre-form the SEI in Zhang's method (eqn 4).

    n is the number of cycles the SEI needs to stabilise, i the current (density)
    and t the time per cycle; the result is in current x time units, e.g.
    mA cm^-2 x h = mAh cm^-2.
    """
    formation_cycles = _cycle_count("n (formation cycles)", formation_cycles)
    return formation_cycles * _positive("i (current)", current) * _positive("t (time)", time)


def zhang(q_formation: float, q_total: float, q_cycled: float, cycles: int, q_stripped: float) -> CEResult:
    """Zhang's reservoir CE: SEI pre-formation with Q_0 (eqn 4), then eqn 3.

    Zhang and co-workers plate and strip Q_0 on the bare Cu first, so that the
    SEI forms and stabilises before the reservoir Q_T is deposited; the initial
    capacity loss on the substrate then no longer enters the result. Q_0 is
    spent before the measurement and therefore does not appear in eqn 3: the CE
    is (n Q_C + Q_S) / (n Q_C + Q_T). Q_0 is checked and recorded in ``inputs``
    so the protocol can be compared between papers (see ``formation_charge``).
    """
    q_formation = _positive("Q_0 (SEI formation charge)", q_formation)
    result = aurbach(q_total, q_cycled, cycles, q_stripped)
    inputs = {"q_formation": q_formation, **result.inputs}
    return CEResult("zhang", result.ce_percent, result.lce, result.cycles, inputs)


# --- full cells (eqns 5-6) --------------------------------------------------------------


def chiang(q_li: float, q_cathode: float, cycles: int, *, retention: float = DEFAULT_RETENTION) -> CEResult:
    """Chiang's full-cell estimate: 1 - (Q_Li + (1-r) Q_cathode) / (n Q_cathode) (eqn 5).

    The cathode is assumed 100 % efficient, so all Li lost by the time the
    capacity reaches ``retention`` r (0.8 in the review) of the first cycle,
    the excess Li Q_Li plus (1-r) Q_cathode, was lost on the anode over the n
    cycles, each of which passed Q_cathode. Q_Li = 0 describes an anode-free cell.
    """
    q_li = _non_negative("Q_Li (excess Li)", q_li)
    q_cathode = _positive("Q_cathode", q_cathode)
    cycles = _cycle_count("n (cycles to the retention)", cycles)
    retention = _retention(retention)
    ce = 1 - (q_li + (1 - retention) * q_cathode) / (cycles * q_cathode)
    inputs = {"q_li": q_li, "q_cathode": q_cathode, "cycles": cycles, "retention": retention}
    return _result("chiang", ce, cycles, inputs)


def cycles_to_retention(discharge: Sequence[float], retention: float = DEFAULT_RETENTION) -> int:
    """The first cycle (1-based) whose discharge capacity is <= retention x the first one."""
    retention = _retention(retention)
    values = [float(q) for q in discharge]
    if not values:
        raise InvalidValue("no discharge capacities given; pass one per cycle, cycle 1 first")
    limit = retention * _positive("discharge capacity of cycle 1", values[0])
    for index, q in enumerate(values, start=1):
        # isclose: a capacity exactly at 80 % of the first must count despite rounding
        if q <= limit or math.isclose(q, limit, rel_tol=1e-12):
            return index
    raise InvalidValue(
        f"the discharge capacity never falls to {100 * retention:g} % of the first cycle "
        f"(lowest {100 * min(values) / values[0]:.1f} % in {len(values)} cycles); "
        "use a higher --retention or data that reach it, the estimate is not extrapolated"
    )


def zhang_full(
    charge: Sequence[float],
    discharge: Sequence[float],
    q_li: float,
    *,
    retention: float = DEFAULT_RETENTION,
) -> CEResult:
    """Zhang's full-cell estimate: 1 - (Q_Li + Q_ch,1 - r Q_dis,1) / sum(Q_charge) (eqn 6).

    ``charge`` and ``discharge`` are per-cycle capacities, cycle 1 first. n is
    the first cycle whose discharge capacity falls to ``retention`` r of the
    first; the sum of the charge capacities runs over cycles 1..n. Li lost by
    then is the excess Li plus the first-cycle irreversible capacity of the
    cathode (Q_ch,1 - Q_dis,1) plus (1-r) Q_dis,1, which simplifies to the
    numerator. A retention the data never reach is an error, not extrapolated.
    """
    charge_list = [float(q) for q in charge]
    discharge_list = [float(q) for q in discharge]
    if len(charge_list) != len(discharge_list):
        raise InvalidValue(
            f"got {len(charge_list)} charge and {len(discharge_list)} discharge capacities; pass one of each per cycle"
        )
    q_li = _non_negative("Q_Li (excess Li)", q_li)
    retention = _retention(retention)
    for index, (q_c, q_d) in enumerate(zip(charge_list, discharge_list), start=1):
        _positive(f"charge capacity of cycle {index}", q_c)
        _non_negative(f"discharge capacity of cycle {index}", q_d)
    n = cycles_to_retention(discharge_list, retention)
    charge_sum = sum(charge_list[:n])
    lost = q_li + charge_list[0] - retention * discharge_list[0]
    inputs = {
        "q_li": q_li,
        "retention": retention,
        "q_charge_first": charge_list[0],
        "q_discharge_first": discharge_list[0],
        "charge_sum": charge_sum,
        "cycles_available": len(charge_list),
    }
    return _result("zhang-full", 1 - lost / charge_sum, n, inputs)


# --- cycle life -------------------------------------------------------------------------
#
# Anode-free cell: no Li reservoir, so every cycle the cell keeps only the CE fraction of
# the Li it cycled and the capacity after n cycles is CE^n. It reaches `retention` r at
#     n = ln(r) / ln(CE).
# The review's figures (99.00 % -> 22 cycles, 99.99 % -> 2231, section 2.1 and Fig. 1b)
# are the whole cycles completed with capacity still >= r: floor(n). 0.99^22 = 0.8016 but
# 0.99^23 = 0.7936. ceil would give 23 and 2232; the linear form (1-r)/(1-CE) gives 20, 2000.
#
# Cell with excess Li, R = Q_Li / Q_cathode (two stages of Fig. 2c-d):
#   stage 1: the reservoir makes up the anode's loss, the cathode is fully discharged and
#            each cycle consumes (1 - CE) Q_cathode of the reservoir, so it lasts
#            n1 = Q_Li / ((1 - CE) Q_cathode) = R / (1 - CE) cycles at full capacity;
#   stage 2: with the reservoir gone the cell behaves as anode-free, n2 = ln(r) / ln(CE).
#   n = R / (1 - CE) + ln(r) / ln(CE).
# Eqn 5 is this relation with stage 2 linearised (-ln r ~ 1 - r, -ln CE ~ 1 - CE):
#   n = (R + 1 - r) / (1 - CE)  <=>  CE = 1 - (Q_Li + (1 - r) Q_cathode) / (n Q_cathode).
# The exact stage 2 is kept so that R = 0 gives back the anode-free numbers above.


def _life_cycles(loss: float, retention: float, excess_li_ratio: float) -> float:
    # In terms of the loss 1 - CE: at CE = 99.999 % the CE itself keeps only 11 good
    # digits of 1 - CE, log1p keeps them all.
    return excess_li_ratio / loss + math.log(retention) / math.log1p(-loss)


def _whole_cycles(cycles_exact: float) -> int:
    # The tolerance (1e-9 relative) keeps the round trip ce_for_cycles(N) -> cycle_life
    # at N instead of N - 1 when floating point lands a hair below the integer.
    return math.floor(cycles_exact * (1 + 1e-9) + 1e-9)


def _excess_li_ratio(value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise InvalidValue(f"excess Li ratio R = Q_Li/Q_cathode must be >= 0 (0 is anode-free), got {value:g}")
    return value


def cycle_life(
    ce_percent: float,
    *,
    retention: float = DEFAULT_RETENTION,
    excess_li_ratio: float = 0.0,
) -> LifeResult:
    """Cycles until the capacity falls to ``retention``, for an average anode CE.

    Anode-free (``excess_li_ratio`` R = 0): n = ln(r) / ln(CE), the relation of
    the review's Fig. 1b; ``cycles`` is floor(n), the whole cycles completed
    (99.00 % -> 22, 99.99 % -> 2231). With excess Li, R = Q_Li / Q_cathode,
    the reservoir first buys R / (1 - CE) cycles at full capacity (the
    full-cell picture behind eqn 5), then the anode-free decay follows.
    """
    ce_percent = _ce_percent(ce_percent)
    retention = _retention(retention)
    excess_li_ratio = _excess_li_ratio(excess_li_ratio)
    exact = _life_cycles((100 - ce_percent) / 100, retention, excess_li_ratio)
    inputs = {"ce_percent": ce_percent, "retention": retention, "excess_li_ratio": excess_li_ratio}
    return LifeResult(ce_percent, lce(ce_percent), _whole_cycles(exact), exact, inputs)


def ce_for_cycles(
    cycles: int,
    *,
    retention: float = DEFAULT_RETENTION,
    excess_li_ratio: float = 0.0,
) -> LifeResult:
    """The average anode CE needed to keep ``retention`` of the capacity for N cycles.

    Inverse of ``cycle_life``: CE = r^(1/N) for an anode-free cell; with excess
    Li the relation N = R / (1 - CE) + ln(r) / ln(CE) is solved by bisection
    (it rises monotonically with CE).
    """
    cycles = _cycle_count("N (cycles)", cycles)
    retention = _retention(retention)
    excess_li_ratio = _excess_li_ratio(excess_li_ratio)
    if excess_li_ratio >= cycles:
        # At any CE stage 1 alone lasts R / (1 - CE) >= R cycles, so N <= R asks for nothing.
        raise InvalidValue(
            f"with excess Li ratio R = {excess_li_ratio:g} the reservoir alone outlasts "
            f"{cycles} cycles at any CE; ask for more than {excess_li_ratio:g} cycles"
        )
    if excess_li_ratio == 0:
        loss = -math.expm1(math.log(retention) / cycles)  # 1 - r^(1/N), to full precision
    else:
        # Bisect on log10(1 - CE): the answer can sit anywhere from 90 % to 99.9999 %.
        low, high = -16.0, 0.0  # log10(1 - CE); the cycle count falls as this rises
        for _ in range(200):
            middle = (low + high) / 2
            if _life_cycles(10**middle, retention, excess_li_ratio) > cycles:
                low = middle
            else:
                high = middle
        loss = 10 ** ((low + high) / 2)
    ce_percent = 100 * (1 - loss)
    exact = _life_cycles(loss, retention, excess_li_ratio)
    inputs = {"cycles": cycles, "retention": retention, "excess_li_ratio": excess_li_ratio}
    return LifeResult(ce_percent, lce_or_none(ce_percent), _whole_cycles(exact), exact, inputs)
