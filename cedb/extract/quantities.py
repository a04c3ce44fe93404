"""Find the numbers a CE result is made of, in one normalised sentence.

Every finder returns tokens with their position in the sentence, so the rules
can give each CE value the conditions of its own clause. Units accept the
spellings found in papers: ``mA cm-2``, ``mA cm^-2``, ``mA/cm2``, ``mA cm2``,
``mA h cm-2``, ``mAh/cm2``, ``μA cm-2``, and ``mA cm`` whose superscript was lost
in extraction. An exponent may be followed by a glued citation (``cm-2.98``).
"""

import re
from dataclasses import dataclass

from cedb import units

# "1,000" is one thousand; a list "0.5, 1 and 2" has spaces after its commas.
NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?![\d.])|\d+(?:\.\d+)?)"
# At most 9 values: bounded so that a long run of numbers cannot make matching quadratic.
_NUMBER_LIST = NUMBER + r"(?:\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)" + NUMBER + r"){0,8}"
_NUMBER_RANGE = NUMBER + r"\s*(?:–|-|to)\s*" + NUMBER
# "cm-2", "cm^-2", "cm^(-2)", "cm2", "cm^2"; nothing at all when the superscript was lost.
_PER_AREA = (
    r"(?:\s*/\s*|\s*)cm(?:\s*\^?\s*\(?\s*[-–]\s*2\)?|\s*\^?\s*2(?!\d))?"
    r"(?![A-Za-z])(?!\s*\^?\s*[-–]\s*1)"
)

# A value does not continue a number, an exponent ("cm-2, 1 mAh") or a formula ("NCM811").
_NOT_AFTER = r"(?<![\d.\-–^A-Za-z])"
_CURRENT = re.compile(
    _NOT_AFTER + r"(?P<value>" + _NUMBER_RANGE + "|" + _NUMBER_LIST + r")\s*"
    r"(?P<unit>mA|μA|µA|uA|A)(?!\s*h\b)(?!h)" + _PER_AREA
)
_CAPACITY = re.compile(
    _NOT_AFTER + r"(?P<value>" + _NUMBER_RANGE + "|" + _NUMBER_LIST + r")\s*"
    r"(?P<unit>mA\s*h|mAh|μAh|µAh|uAh|Ah)" + _PER_AREA
)
# The Li reservoir of the Aurbach protocol is not the cycled capacity.
_RESERVOIR_BEFORE = re.compile(r"(?:reservoir|Q_?T|pre-?deposit\w*|predeposit\w*)\W*(?:of|=|:)?\s*$", re.I)
# A current or capacity of a preliminary step is not the cycling condition: "after 1 min of
# activation at 3 mA cm-2", "two formation cycles at 0.1 mA cm-2", "pre-plating 5 mAh cm-2".
_STEP_BEFORE = re.compile(
    r"\b(?:activation|activating|formation|conditioning|pre-?cycl\w*|pre-?plat\w*|nucleation)\b"
    r"[^,;()]{0,25}$",
    re.I,
)
# The cycles of such a step: "an activation step at 0.1 mA cm-2 for 5 cycles" (a longer reach,
# so "formation" only as a named step, not "SEI formation ... for 300 cycles").
_STEP_CYCLES_BEFORE = re.compile(
    r"\b(?:activation|activating|conditioning|pre-?cycl\w*|pre-?plat\w*|formation\s+(?:steps?|protocols?|process))"
    # "1 min of activation at 3 mA cm-2 followed by 10 cycles": the step ends there
    r"\b(?:(?!\bfollow|\bthen\b|\bbefore\b|\bafter\b)[^,;()]){0,55}$",
    re.I,
)
# A critical current density is the current at which a cell shorts, not the one the CE was
# measured at: "a CE of 99.1% and a critical current density of 3.7 mA cm−2"; so is a
# critical capacity ("a CCD > 3 mA cm−2/3 mAh cm−2", held-out batch 15).
_LIMIT_BEFORE = re.compile(
    r"\b(?:critical\s+(?:current\s+densit(?:y|ies)|(?:areal\s+)?capacit(?:y|ies))|CCDs?)\b"
    # "a critical current density (3.1 vs 1.9 mA cm−2)": its values in parentheses (batch 17)
    r"\s*\(?[^,;()]{0,15}$",
    re.I,
)
# A loading is the cathode's areal capacity, not the Li plated per cycle: "at a high loading of
# 7 mAh cm−2", "a cathode loading of 3.5 mAh cm−2", "the areal capacity of the cathode (4 mAh
# cm−2)" (held-out batch 15). A Li loading ("Li-plating capacity loadings of up to 4 mAh cm−2")
# is the plated capacity; and a full cell "with 2.5 mAh cm−2 cathodes" is cycled at the
# cathode's capacity (curators' report), so a cathode named with its capacity is no loading.
_LOADING_BEFORE = re.compile(
    r"(?:\bloadings?|\bcathodes?\s+(?:areal\s+)?(?:capacit(?:y|ies)|loadings?)"
    r"|\bcapacity\s+of\s+the\s+(?:\w+\s+)?cathodes?)"
    r"\s*(?:of|is|was|=|:|\(|with|reaching|from)?\s*(?:up\s+to|as\s+high\s+as|exceeding|over|above|beyond)?"
    r"\s*(?:about|approximately|around|[~≈∼>≥])?\s*$",
    re.I,
)
_LOADING_AFTER = re.compile(r"\s*\(\s*(?:cathode\s+|areal\s+|mass\s+)?loadings?\b", re.I)
_LI_LOADING = re.compile(r"\b(?:Li|lithium|plat\w*|deposit\w*)\b[\w\s-]{0,20}$", re.I)
# A cathode's active material by name: "NCM811", "LFP", "LiNi0.8Co0.1Mn0.1O2"
_CATHODE_FORMULA = r"(?:NCM|NMC|NCA|LFP|LCO|LMO|LNMO|LiFePO4|LiCoO2|LiMn2O4|Li(?:Ni|Co|Fe|Mn)\w*)"
# A bare "loading" is the cathode's only in a sentence about a cathode or a cell with one; a
# host that "accommodates a high capacity loading of 8 mAh cm−2" is loaded with Li.
_WITH_CATHODE = re.compile(
    r"(?i:\bcathodes?\b|\bpositive\s+electrodes?\b|\b(?:full|pouch)[- ]cells?\b|\banode[- ]?(?:free|less)\b)"
    r"|\b(?:" + _CATHODE_FORMULA + r"|SPAN)"
)


# "a full cell of a high-capacity Ni0.8Co0.1Mn0.1O2 (3.5 mAh cm-2)", "an LFP cathode (2 mAh cm-2)":
# a capacity in parentheses after the cathode names the cathode's (held-out batch 19)
_CATHODE_PARENTHESES = re.compile(
    r"(?:\b" + _CATHODE_FORMULA + r"[\w.-]*|\bNi[\d.]+(?:Co|Mn|Al)[\w.]*O2|\bcathodes?)\s*\(\s*(?:about|~|≈)?\s*$",
    re.I,
)


def _loading(sentence: str, m: "re.Match[str]") -> bool:
    """Whether the capacity ``m`` is a cathode's loading (``_LOADING_BEFORE``, ``_LOADING_AFTER``)."""
    if _CATHODE_PARENTHESES.search(sentence, max(0, m.start() - 40), m.start()):
        return True
    before = _LOADING_BEFORE.search(sentence, max(0, m.start() - 50), m.start())
    if (
        before
        and not _LI_LOADING.search(sentence, max(0, before.start() - 25), before.start())
        and (not before.group().lower().startswith("loading") or _WITH_CATHODE.search(sentence))
    ):
        return True
    return bool(_LOADING_AFTER.match(sentence, m.end()) and _WITH_CATHODE.search(sentence))


# A second figure joined to one of those ("3.5 mAh cm−2 to 7.1 mAh cm−2", "3 mA cm−2/3 mAh
# cm−2", "3.5 mAh cm−2 (0.2 C) and 7.1 mAh cm−2") is of the same kind.
_JOINED_FIGURE = re.compile(r"\s*(?:\([^()]{0,20}\)\s*)?(?:/|,|and|or|to|–|-|at|with|\()\s*(?:[~≈∼>≥]\s*)?")
_CYCLES = re.compile(
    r"(?P<bound>more than|over|>|≥|at least|exceeding|beyond|up to|nearly|about|~|approximately)?"
    r"\s*"
    # "after 100 and 200 cycles, respectively": a list of counts
    r"(?<![\d.,\-–^A-Za-z])(?P<value>"
    + NUMBER
    + r"(?:\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+)"
    + NUMBER
    + r"){0,5})\s*"
    # "320 lithium plating/stripping cycles", "500 stable charge/discharge cycles"
    r"(?P<kind>(?:(?:stable|consecutive|continuous|repeated|lithium|Li|plating/stripping|"
    r"plating-stripping|stripping/plating|deposition/stripping|charge/discharge|charge-discharge|"
    r"formation|deep)\s+){0,2})cycles\b"
)

# "after five cycles", "within ten cycles": a count written as a word (held-out batch 15)
_NUMBER_WORDS = {
    word: float(i)
    for i, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
        " sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30.0, "forty": 40.0, "fifty": 50.0, "sixty": 60.0, "seventy": 70.0, "eighty": 80.0, "ninety": 90.0}
# (read backwards from each "cycles", so that a sentence is not scanned word by word)
_WORD_CYCLES = re.compile(
    r"\b(?:after|within|in|for|over|during|first|initial|past|following|last)\s+(?:the\s+)?(?:first\s+)?"
    r"(?P<value>" + "|".join(_NUMBER_WORDS) + r")\s+(?:(?:stable|consecutive|subsequent|more)\s+)?$",
    re.I,
)
# "from 200 cycles to 1,000 cycles", "between the 50th and 300th cycles", "from the 10th to the
# 100th cycle": a window ends at its last cycle (held-out batch 15, as batch 14's "cycles 5-50").
_ORDINAL = r"(?:st|nd|rd|th)?"
_COUNT_WINDOW = re.compile(
    r"\b(?:from|between)\s+(?:the\s+)?" + NUMBER + _ORDINAL + r"(?:\s+cycles?)?\s+(?:to|and|until|through)\s+"
    r"(?:the\s+)?(?P<value>" + NUMBER + r")" + _ORDINAL + r"\s+cycles?\b",
    re.I,
)

# "cycle 15 times", "cycled 120 times", "plated and stripped for 300 times": a count of
# repetitions after a cycling verb (held-out batch 13); "three times higher" is no count.
_CYCLED_TIMES = re.compile(
    r"\b(?:cycl(?:e|es|ed|ing)|plated\s+and\s+stripped|stripped\s+and\s+plated|charged\s+and\s+discharged)"
    r"\s+(?:for\s+)?(?P<bound>more than|over|>|≥|at least|up to|nearly|about|~|approximately)?\s*"
    r"(?P<value>" + NUMBER + r")\s+times\b",
    re.I,
)

# "short-term 10-cycle cycling", "a 100-cycle test": a count written as an adjective (batch 14)
_N_CYCLE = re.compile(r"(?<![\d.,\-–^A-Za-z])(?P<value>\d+)-cycles?\b(?!\s*(?:-|–|life\b))")
# "at the 125th cycle", "at the 125 cycle", "at cycle 300": the CE at one cycle, the count a
# result records (held-out batch 17); a window ("cycle 20 to 200") is read below
_AT_CYCLE = re.compile(
    # "a steady decrease in CE up to the 41st cycle" (held-out batch 19)
    r"\b(?:at|in|after|by|until|upon|up\s+to)\s+(?:the\s+(?P<ordinal>\d+)(?:st|nd|rd|th)?\s+cycle\b(?!s|\s*(?:[-–]|to|and)\s*\d)"
    r"|cycle\s+(?P<number>\d+)\b(?!\s*(?:[-–]|to|and)\s*\d|\s*(?:%|[mμµu]?A\b|[mμµu]?Ah|h\b|times\b)))",
    re.I,
)
# "the average CE in cycles 5-50", "over cycles 10–100", "from cycle 20 to 200": a window of
# cycles ends at its last cycle, the count a result records (held-out batch 14).
_CYCLE_WINDOW = re.compile(
    r"\b(?:in|over|during|for|across|between|from)\s+(?:the\s+)?cycles?\s+\d+\s*(?:[-–]|to|and)\s*"
    r"(?:cycle\s+)?(?P<value>\d+)\b(?!\s*(?:%|[mμµu]?A\b|[mμµu]?Ah|h\b|times\b))"
    # "99.81% at 1–50 cycles", "over 10-100 cycles": the same window, its count before the noun
    # (held-out batch 20); "after 50–100 cycles" is no window
    r"|\b(?:at|in|over|during|across|within)\s+(?:the\s+)?\d+\s*[-–]\s*(?P<last>\d+)\s+cycles\b",
    re.I,
)
# "at the 50th and 130th cycles, respectively": a list of cycles, one for each test (held-out batch 20)
_ORDINAL_LIST = re.compile(
    r"\b(?:at|after|by|in|until)\s+the\s+(\d+)(?:st|nd|rd|th)\s+and\s+(?:the\s+)?(\d+)(?:st|nd|rd|th)\s+cycles\b",
    re.I,
)
_COUNT_LIST = re.compile(NUMBER)
_JOINED = re.compile(r"(?:(?<=cm-2)|(?<=m\^-2)|(?<=cm2))[–-](?=\d+(?:\.\d+)?\s*(?:m?A|μA|µA|uA)\s*h?\b)")


@dataclass(frozen=True)
class Condition:
    """A current density, areal capacity or cycle count found in a sentence."""

    kind: str  # "current", "capacity" or "cycles"
    values: tuple[float, ...]  # several for "0.5 and 2 mA cm-2"
    start: int
    end: int
    is_range: bool = False
    lost_exponent: bool = False
    lower_bound: bool = False


def parse_number(text: str) -> float:
    """``"1,000"`` -> 1000.0, ``"99.5"`` -> 99.5."""
    return float(text.replace(",", ""))


def _values(text: str) -> tuple[tuple[float, ...], bool]:
    if re.fullmatch(_NUMBER_RANGE, text) and not re.fullmatch(_NUMBER_LIST, text):
        return tuple(parse_number(n) for n in re.findall(NUMBER, text)), True
    return tuple(parse_number(n) for n in re.findall(NUMBER, text)), False


_QUANTITY = {"current": units.CURRENT_DENSITY, "capacity": units.AREAL_CAPACITY}


def _unit_scale(unit: str, kind: str) -> float:
    # One unit parser (cedb.units, issue #18); the area is always cm^-2 here, also when its
    # superscript was lost.
    return units.factor(f"{unit.replace(' ', '')} cm^-2", _QUANTITY[kind])  # "mA h" -> "mAh"


def find_conditions(sentence: str) -> list[Condition]:
    """Currents (mA cm⁻²), areal capacities (mAh cm⁻²) and cycle counts in ``sentence``."""
    found: list[Condition] = []
    # "1 mA cm-2–1 mA h cm-2": a dash joining two conditions is a separator (same length, so
    # positions stay those of the sentence).
    sentence = _JOINED.sub(",", sentence)
    matches = sorted(
        (
            (m, kind)
            for kind, regex in (("capacity", _CAPACITY), ("current", _CURRENT))
            for m in regex.finditer(sentence)
        ),
        key=lambda pair: pair[0].start(),
    )
    skipped: tuple[int, str] = (-1, "")  # the end and kind of the last figure that is no condition
    for m, kind in matches:
        before = sentence[max(0, m.start() - 40) : m.start()]
        limit = _LIMIT_BEFORE.search(before)
        if (
            0 <= skipped[0] <= m.start()
            and (kind == skipped[1] or skipped[1] == "limit")
            and _JOINED_FIGURE.fullmatch(sentence, skipped[0], m.start())
        ):
            skipped = (m.end(), skipped[1])
            continue  # "a CCD of 3 mA cm-2/3 mAh cm-2", "a loading of 3.5 to 7.1 mAh cm-2"
        if limit or (kind == "capacity" and _loading(sentence, m)):
            skipped = (m.end(), "limit" if limit else kind)
            continue  # a short-circuit limit or the cathode's loading, not a cycling condition
        if kind == "capacity" and _RESERVOIR_BEFORE.search(before[-30:]):
            continue
        if _STEP_BEFORE.search(before):
            continue  # a preliminary step's condition
        values, is_range = _values(m.group("value"))
        scale = _unit_scale(m.group("unit"), kind)
        lost = not re.search(r"cm\s*\^?\s*\(?\s*[-–]?\s*2", m.group())
        found.append(Condition(kind, tuple(v * scale for v in values), m.start("value"), m.end(), is_range, lost))
    windows = list(_COUNT_WINDOW.finditer(sentence)) if "ycle" in sentence else []
    for m in _CYCLES.finditer(sentence):
        if any(w.start() <= m.start() < w.end() for w in windows):
            continue  # "from 200 cycles to 1,000 cycles": the window's last cycle, below
        if "formation" in m.group("kind"):
            continue  # formation cycles precede the reported ones
        if _STEP_CYCLES_BEFORE.search(sentence[max(0, m.start() - 70) : m.start()]):
            continue  # "after an activation step at 0.1 mA cm-2 for 5 cycles"
        bound = (m.group("bound") or "").strip()
        found.append(
            Condition(
                "cycles",
                tuple(parse_number(v) for v in _COUNT_LIST.findall(m.group("value"))),
                m.start("value"),
                m.end(),
                lower_bound=bound in ("more than", ">", "≥", "at least", "exceeding", "beyond"),
            )
        )
    for m in _N_CYCLE.finditer(sentence):
        found.append(Condition("cycles", (parse_number(m.group("value")),), m.start("value"), m.end()))
    for m in _AT_CYCLE.finditer(sentence) if "ycle" in sentence else ():
        at = "ordinal" if m.group("ordinal") else "number"
        found.append(Condition("cycles", (parse_number(m.group(at)),), m.start(at), m.end()))
    for m in _ORDINAL_LIST.finditer(sentence) if "ycles" in sentence else ():
        found.append(Condition("cycles", (parse_number(m.group(1)), parse_number(m.group(2))), m.start(1), m.end()))
    for m in _CYCLE_WINDOW.finditer(sentence):
        last = "value" if m.group("value") else "last"
        found.append(Condition("cycles", (parse_number(m.group(last)),), m.start(last), m.end()))
    for m in windows:
        found.append(Condition("cycles", (parse_number(m.group("value")),), m.start("value"), m.end()))
    for noun in re.finditer(r"cycles\b", sentence) if "ycles" in sentence else ():
        m = _WORD_CYCLES.search(sentence, max(0, noun.start() - 60), noun.start())
        if m and not _STEP_CYCLES_BEFORE.search(sentence[max(0, m.start() - 70) : m.start()]):
            found.append(Condition("cycles", (_NUMBER_WORDS[m.group("value").lower()],), m.start("value"), noun.end()))
    for m in _CYCLED_TIMES.finditer(sentence):
        bound = (m.group("bound") or "").strip()
        found.append(
            Condition(
                "cycles",
                (parse_number(m.group("value")),),
                m.start("value"),
                m.end(),
                lower_bound=bound in ("more than", ">", "≥", "at least"),
            )
        )
    return sorted(found, key=lambda c: c.start)


# --- cells and methods -------------------------------------------------------------
_SEP = r"\s*(?:\|\||\||//|/|-|–)\s*"
_CATHODE = r"(?:" + _CATHODE_FORMULA + r"|Li\[|S\b|O2\b|SPAN\b)"
# "Li|LNFP50|Cu", "Li|PP|LFP": a three-part cell with the electrolyte or separator named between.
_MIDDLE = r"\s*\|\|?\s*[^|\s]{1,25}\s*\|\|?\s*"
_COATED = r"(?:@[\w-]+(?:\s*\+\s*[\w-]+)?)?"
# "Li(1% Mg)/SSE/NCA", "Li@C||NCM811": a Li anode with its additive or coating named
_LI_ANODE = r"\bLi(?:@\w+|\([^()|/]{1,12}\))?"
# A cathode-first cell: "NCA || LPSC || Li", "(NMC811 with LPSC) || LPSC || Li", "LFP/Li"; not a
# Li–In alloy anode ("NMC811//SE//Li-In") nor a reference potential ("Li+/Li")
_CATHODE_FIRST = (
    r"\b(?<!@)" + _CATHODE_FORMULA + r"[\w.-]*"
    # subscripts a PDF or OpenAlex text spaced: "LiFePO 4 ||Li", "LiNi 0.8 Co 0.1 Mn 0.1 O 2 /Li"
    r"(?:\s\d+(?:\.\d+)?(?:\s?[A-Z][a-z]?)?)*"
    r"(?:\s+with\s+[\w-]+)?\)?\s*(?:(?:\|\||//|\||/)\s*(?:(?:[^|/\s]{1,15}\s+){0,2}[^|/\s]{1,15}\s*(?:\|\||//|\|)\s*)?"
    # a bar-delimited electrolyte may hold a slash: "LFP | PEO/LLZO | Li" (held-out batch 17)
    r"|\|\s*[^|\s]{1,25}\s*\|\s*)"
    r"Li\b(?![+\w]|\s*[-–]\s*In\b|[-–](?!metal\b)[A-Za-z])"
)
_CELLS = (
    # "Cu@GPE|NMC", "Cu@PAN + PVDF||Li": a coated Cu electrode is still the Cu side
    (
        "anode-free",
        # "AFLMBs", "AFLBs", "AFBs": anode-free (lithium) (metal) batteries by their abbreviation
        re.compile(
            r"(?i:\banode[- ](?:free|less)\b)|\bAFL?M?Bs?\b|(?<!@)\bCu"
            + _COATED
            + _SEP
            + _CATHODE
            # no Li in the negative electrode at assembly: "Li-free (pouch-type) full cells",
            # "zero-excess lithium metal batteries", "ZELMBs" (held-out batch 16)
            + r"|(?i:\b(?:Li|lithium)[- ]free\s+(?:[\w-]+\s+){0,2}?full[- ](?:cells?|batter(?:y|ies))\b"
            r"|\bzero[- ]excess\s+(?:(?:Li|lithium)(?:[- ]metal)?\s+)?(?:batter(?:y|ies)|cells?)\b)"
            r"|\bZE-?LMBs?\b"
        ),
    ),
    (
        "full",
        re.compile(
            _LI_ANODE
            + _SEP
            + _CATHODE
            + "|"
            + _LI_ANODE
            + _MIDDLE
            + _CATHODE
            # "Li/MIC/LiNi0.8Mn0.1Co0.1 cells": the electrolyte between slashes (held-out batch 14)
            + "|"
            + _LI_ANODE
            + r"/[A-Za-z][\w-]{0,15}/\s?"
            + _CATHODE
            + "|"
            + _CATHODE_FIRST
            + r"|\bfull[- ](?:cells?|batter(?:y|ies))\b|\bpouch[- ]cells?\b"
            r"|(?i:\blithium[- ]metal\s+battery\b)|\bLMB\s+of\b"
            # "When paired with a LiNi0.8Co0.1Mn0.1O2 cathode, ...": a full cell (held-out batch 17)
            r"|(?i:\b(?:paired|coupled|matched)\s+(?:with|to|against)\s+(?:an?\s+|the\s+)?"
            r"(?:[\w.\[\]()-]+\s+){0,10}?(?:cathodes?|positive\s+electrodes?)\b)"
        ),
    ),
    (
        "li-li",
        re.compile(
            # not a spaced formula: "Li||Li 2 S" is a Li2S cathode (held-out batch 17)
            r"\bLi(?<!vs\.\sLi)(?<!vs\sLi)(?<!versus\sLi)\s*(?:\|\|?|/)\s*Li\b(?!\s*\^?\+|\s\d)|\bLi"
            + _MIDDLE
            + r"Li\b"
            r"|(?i:\blithium\s*\|\|?\s*lithium\b)|\bsymmetric(?:al)?\s+(?:Li\s+)?cells?\b"
        ),
    ),
    (
        "li-cu",
        re.compile(
            r"\bLi" + _SEP + r"Cu\b|(?<!@)\bCu" + _COATED + r"\s*(?:\|\|?|/)\s*Li\b(?!\w)"
            r"|\bLi" + _MIDDLE + r"Cu\b"
            # not "half cells" alone: a Li plating test on a host or a coated Cu against Li
            # names no Cu electrode (held-out batch 16: "half cells with a lithium electrode")
            r"|\basymmetric\s+(?:Li\s+)?cells?\b"
            # a Cu collector coated with a host ("Li3Sb@Cu", "CAC @Cu foil"), in a sentence saying
            # Li is plated on it (see find_cells); not a Li-predeposited "Li@Cu" anode
            r"|(?<=[\w)\]])(?<!\bLi)\s?@\s?(?:Cu|copper)\b(?![@\w])"
            r"|(?i:\blithium[- ]to[- ]copper\b|\bcopper\s*\|\|?\s*lithium\b"
            r"|\blithium\s*\|\|?\s*copper\b)"
            # "plating capacity of 2 mAh cm-2 on copper foil": Li plated on Cu is a Li||Cu test
            # "Li deposition on Cu at 2 mA cm-2" too; not "on Cu@X", "on Cu-coated", "on Cu/Y"
            r"|(?i:\b(?:plat|deposit)\w*(?:/\w+)?\s+(?:\S+\s+){0,6}?on\s+(?:the\s+|a\s+)?(?:bare\s+)?"
            r"(?:copper|Cu)\b(?![@/–-]))"
            # "from 90.5% (bare Cu in commercial electrolyte) to 96.1%": the bare Cu electrode
            # of a Li plating test is the Cu side of a Li||Cu cell (held-out batch 8), when the
            # sentence says Li is plated on it (see find_cells)
            r"|(?i:\bbare\s+(?:Cu|copper)\b(?:\s+(?:foils?|electrodes?|substrates?|current\s+collectors?))?)"
            # "the current collector (for example, copper foil)", "a Cu current collector": the
            # Cu side of a Li plating test, in a sentence saying Li is plated (held-out batch 14)
            r"|(?i:\b(?:Cu|copper)\s+(?:foils?|current\s+collectors?)\b)"
        ),
    ),
)
CELL_TYPES = tuple(name for name, _ in _CELLS)
PLATING = re.compile(r"(?i)\b(?:Li|lithium)\s+(?:metal\s+)?(?:plat|deposit|electrodeposit)\w*")


@dataclass(frozen=True)
class Cell:
    kind: str
    start: int
    end: int


def find_cells(sentence: str) -> list[Cell]:
    """Cell configurations named in ``sentence`` ("Li||Cu", "anode-free", ...)."""
    cells: list[Cell] = []
    taken: list[tuple[int, int]] = []
    plating = PLATING.search(sentence) is not None
    for kind, regex in _CELLS:
        for m in regex.finditer(sentence):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # "Cu||NCM" is anode-free, not also a Li||NCM full cell
            if not plating and (m.group()[:4].lower() == "bare" or "@" in m.group()[:2] or _CU_FOIL.match(m.group())):
                continue  # "the CE of the bare Cu electrode": no cell named, none made up
            cells.append(Cell(kind, m.start(), m.end()))
            taken.append(m.span())
    if any(_CU_FOIL.match(sentence, c.start) for c in cells) and len({c.kind for c in cells}) > 1:
        # a Cu foil beside another cell ("anode-free cells with a Cu foil and NMC") is its part
        cells = [c for c in cells if not _CU_FOIL.match(sentence, c.start)]
    return sorted(cells, key=lambda c: c.start)


_CU_FOIL = re.compile(r"(?i:(?:Cu|copper)\s+(?:foil|current))")


_METHODS = (
    ("zhang", re.compile(r"\bZhang[’']s\s+(?:method|protocol)", re.I)),
    ("aurbach", re.compile(r"\bAurbach", re.I)),
    ("reservoir", re.compile(r"\breservoir\s+(?:method|protocol|test)", re.I)),
    ("chiang", re.compile(r"\bChiang[’']s\b", re.I)),
    ("conventional", re.compile(r"\bconventional\s+(?:method|protocol)", re.I)),
)
METHOD_HINTS = tuple(name for name, _ in _METHODS)


def find_method(sentence: str) -> str | None:
    """The CE protocol the sentence names, if any (first of ``METHOD_HINTS`` found)."""
    for name, regex in _METHODS:
        if regex.search(sentence):
            return name
    return None
