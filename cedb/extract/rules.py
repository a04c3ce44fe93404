"""Decide which percentages in a sentence are Li metal CE results, and give each its conditions.

A value is a CE *mention* when the sentence ties it to a CE word: "CE of 99.4%",
"a 99.5% CE", "Coulombic efficiency (CE) exceeding 98.8%", "a CE of 0.995", or
it continues a list that started with one ("CEs of 99.2% and 98.7%"). In a sentence about
a Li plating test (a Li||Cu or anode-free cell, Li plating or deposition) an efficiency
without "Coulombic" names the CE too ("high-efficiency (99.7%)", "deposition efficiency of
99.8%"); another kind never does ("energy", "Faradaic", "recovery efficiency"). A mention is
dropped when it is not a result:

* first-cycle CE ("initial CE", "first-cycle CE"): it measures SEI formation,
  and for a full cell it is not the anode CE;
* the CE of something else: a cathode, graphite, silicon, or a Zn/Na/K/Mg anode;
* targets and hypotheticals: the sentence says required, must, threshold,
  assuming, would ..., or the CE is the premise of a statement
  ("a battery with a CE of 99.00% endures for 22 cycles");
* field summaries without conditions ("Li metal anodes have achieved 99.9%
  under mild conditions"): a generic subject and no current, capacity or cycles;
* class labels ("high-CE (>99.0%) Li metal anodes");
* another chemistry: a CE in a sentence that names no Li-metal cell is not a
  Li-metal result when the sentence, or else the paragraph before it, names a
  Na, K, Mg or Zn metal, Li–S, graphite/silicon/hard-carbon or dual-ion cell
  (``chemistry``), or when the sentence gives a capacity per gram and a capacity
  retention without a Li-metal cell;
* earlier work quoted ("the highest reported CE of 99.5%", "was recently realized").

Baselines and comparators (one policy, issue #13): in "from X% to Y%" only Y is a
result; X is where an improvement started. A comparator named with its own system
and value ("compared to ~99.5% for F4DEE", "than the additive-free electrolyte
(92.2%)") is a result, with only the conditions its own clause states (and only the
electrolyte and host named after the comparison begins). "to Y% (from X%)" is the same
baseline named after its end.

Each mention then takes the current density, areal capacity, cycle count and
cell of its own clause. Clauses are cut at ", and", ", while", "whereas", ";"
between two mentions; a clause also ends where a comparison begins ("than",
"outperforming", "compared with") and before a following clause about capacity
retention or another test (a lifetime in hours, a symmetric cell, an overpotential, with
its own conditions or cell: "... over 400 cycles and stable cycling of 4,000 h in Li
symmetric cells"); a condition inside an earlier conjunct, right after its own figure ("a
capacity retention of 78.9% after 1500 cycles and a CE of 99.9%"), is that figure's;
conditions after the last conjunct are shared ("a CE of 99.9% and capacity retention of 99%
after 200 cycles"). The current or capacity of a preliminary step ("after 1 min of
activation at 3 mA cm-2", "formation cycles at 0.1 mA cm-2") is not the cycling
condition. Conditions opening the sentence before its first comma ("At 1 mA cm−2
and 1 mAh cm−2, ...") are shared by every mention; with "respectively" a list of
n values, or n single conditions of a kind after the values, go to n mentions in
order; one CE stated for a list of conditions ("at 10 and 20 mAh cm−2") gives one
result per condition. A value that is missing stays None: conditions are never
guessed.
"""

import bisect
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from cedb.extract.quantities import (
    NUMBER,
    PLATING,
    Cell,
    Condition,
    find_cells,
    find_conditions,
    find_method,
    parse_number,
)

_KEY = re.compile(
    # "Coulombic (C.E.) efficiency": the abbreviation may stand inside the words (batch 13)
    r"\b(?:[Cc]oulomb(?:ic)?\s+(?:\(\s*C\.?\s*E\.?\s*\)\s*)?[Ee]fficienc(?:y|ies)(?:\s*\((?:CEs?|LCE)\))?"
    r"|(?:plating/stripping|plating-stripping|stripping/plating|cycling)\s+efficienc(?:y|ies)"
    # "plating and stripping efficiency" (also misspelt "platting"), "deposition and dissolution"
    r"|(?:plat{1,2}ing\s+and\s+stripping|stripping\s+and\s+plating|deposition\s+and\s+(?:stripping"
    r"|dissolution))\s+efficienc(?:y|ies)"
    # "efficiencies for Li-metal plating/stripping (99.2%)"
    r"|efficienc(?:y|ies)\s+(?:of|for)\s+(?:the\s+)?(?:Li|lithium)(?:[- ]metal)?\s+"
    r"(?:plating|deposition|stripping)(?:\s*[/-]\s*(?:stripping|plating|dissolution))?"
    # "Li deposition efficiency", "lithium plating/stripping efficiency": Li names the process
    r"|(?:Li|lithium)(?:[- ]metal)?\s+(?:plating|deposition|stripping)(?:\s*[/-]\s*(?:stripping|plating"
    r"|dissolution))?\s+efficienc(?:y|ies)"
    r"|CE_?avg|CEavg|CEs?|LCE)(?![A-Za-z0-9])"
)
# An efficiency that names no kind ("high-efficiency (99.7%)", "an average deposition efficiency
# of 99.8%") is the CE only in a sentence about a Li plating test (a Li||Cu or anode-free cell,
# Li plating or deposition); never another kind ("energy efficiency", "Faradaic efficiency of
# CO2 reduction"), and only right before its value.
_WEAK_KEY = re.compile(
    r"(?<![\w/])(?:(?:deposition|plating|stripping)\s+)?efficienc(?:y|ies)\b"
    r"(?!\s+(?:gains?|loss(?:es)?|drops?|decay|improvements?|increases?|enhancements?|losses))",
    re.I,
)
_OTHER_EFFICIENCY = re.compile(
    r"\b(?:energy|voltage|faradaic|trip|quantum|conversion|power|utili[sz]ation|extraction|catalytic"
    r"|separation|coating|packing|charging|current|thermal|light|luminous|removal|trapping|collection"
    r"|storage|transfer|transport|desolvation|screening|recovery|recycling|nucleation|leaching)\W*$",
    re.I,
)
# "efficiency of CO2 reduction", "efficiency for the cathode": the efficiency of something else
_EFFICIENCY_OF_OTHER = re.compile(
    r"^\s*(?:of|for|in)\s+(?:the\s+)?(?!(?:Li|lithium|plating|deposition|stripping|about|approximately"
    r"|up\b|over\b|above\b|nearly\b|near\b|around\b|as\b)|[~≈∼>≥<≤(\d])",
    re.I,
)
# A bare "efficiency" is the CE only after a plain adjective or article ("high-efficiency",
# "an average efficiency"), and not as a change ("an efficiency gain of 60%").
_PLAIN_EFFICIENCY_BEFORE = re.compile(
    r"(?:^|\b(?:high|higher|highest|ultra-?high|average|averaged|mean|stable|overall|excellent|superior"
    r"|remarkable|outstanding|improved|enhanced|exceptional|impressive|maximum|peak|a|an|the|its|their"
    r"|with))[\s-]*$",
    re.I,
)
_WEAK_GAP = 30  # characters between an efficiency without a kind and its value
_NOT_AFTER = r"(?<![\d.\-–^A-Za-z])"
_RANGE = re.compile(
    _NOT_AFTER + r"(?P<lo>" + NUMBER + r")\s*%?\s*(?:–|-|~)\s*(?P<hi>" + NUMBER + r")\s*%"
    r"|(?:rang\w*|var\w*)\s+(?:from\s+|between\s+)?(?P<lo2>"
    + NUMBER
    + r")\s*%?\s*(?:to|and|–|-)\s*(?P<hi2>"
    + NUMBER
    + r")\s*%"
    r"|between\s+(?P<lo3>" + NUMBER + r")\s*%?\s*and\s*(?P<hi3>" + NUMBER + r")\s*%"
)
# "97.8 ± 0.2%": the value and its spread.
_PERCENT = re.compile(_NOT_AFTER + r"(?P<v>" + NUMBER + r")(?P<pm>\s*(?:±|\+/-)\s*" + NUMBER + r")?\s*%")
# "99.0, 98.5 and 97.2%": one percent sign for a list.
_PERCENT_LIST = re.compile(
    _NOT_AFTER
    + r"(?P<list>"
    + NUMBER
    + r"(?:\s*,\s*"
    + NUMBER
    + r"){0,8}\s*,?\s*(?:and|or)\s*)"  # bounded: a long list of numbers is a table, not a CE list
    + NUMBER
    + r"\s*%"
)
_FRACTION = re.compile(
    r"^\s*(?:\(CE\)\s*)?(?:of|was|is|=|:|reached|reaches|reaching|approaching|close to)?\s*"
    r"(?:about|~|≈|up to|over|above|>)?\s*(?P<v>0\.\d{2,4}|1\.0{1,4})(?![\d%])"
    r"(?!\s*(?:mA|mAh|V\b|C\b|M\b|m\b|g\b|mS|S\b|cm|wt|vol|μm|um|nm|h\b|s\b))"
)
# What a percentage is when it is not a CE.
_OTHER_AFTER = re.compile(
    # "80% of capacity retention" has no article (held-out batch 17)
    r"^\s*(?:of\s+(?:(?:its|their|the)\s+)?(?:initial\s+|original\s+)?capacity|capacity|retention"
    r"|of the initial|excess|DOD|depth|porosity|utili[sz]ation|SOC|state of charge"
    r"|(?:wt|vol|mol)\b)",
    re.I,
)
_OTHER_BEFORE = re.compile(
    r"(?:retention|retain\w*|utili[sz]ation|porosity|DOD)\W*(?:of|at|is|was)?\s*(?:about|~)?\s*$",
    re.I,
)
_CHEMICAL_AFTER = re.compile(r"^\s*(?:[A-Z][A-Za-z0-9()]*[A-Z0-9)]|[A-Z][a-z]?\d)")
_FORWARD = re.compile(
    r"^\s*(?P<words>(?:(?:average|averaged|mean|high|stable|overall|Li|plating/stripping"
    r"|cycling|initial|"
    r"first-cycle|first)\s+){0,3})(?=" + _KEY.pattern + ")"
)
_DETAILS_AFTER_KEY = re.compile(r"^\s*\([^()]{0,200}\)")
_GAP_BLOCK = re.compile(
    r"[%;]|\b(?:retention|retain\w*|utili[sz]ation|DOD|porosity|energy efficiency|"
    r"voltage efficiency|transference|conductivity)\b",
    re.I,
)
_FIRST_CYCLE_BEFORE = re.compile(r"\b(?:initial|first[- ]cycle|1st[- ]cycle|first)\s+(?:[\w/-]+\s+)?$", re.I)
_FIRST_CYCLE_IN = re.compile(r"\b(?:first|initial|1st)\s+cycle\b|\bfirst-cycle\b", re.I)
# "cells with the coated separators initially achieve CEs exceeding 96%": the CE of the first
# cycles (held-out batch 19)
_INITIALLY_VERB_BEFORE = re.compile(r"\binitially\s+(?:[\w-]+\s+){0,2}$", re.I)
_OTHER_ELECTRODE = re.compile(
    r"\bgraphite\b|\bsilicon\b|\bSi\b(?![\w-])|\bSiO[x2]?\s+anode|\bhard carbon\b"
    r"|\bLi4Ti5O12\b|\bLTO\b"
    # an anode named by a formula other than Li's: "the SnO2 anode", "MoS2 anodes", "Fe3O4 anode"
    r"|(?<![@/\w–-])(?!Li)(?=[A-Za-z.]*\d)(?:[A-Z][a-z]?[\d.]*){2,6}\s+anodes?\b"
    r"|\b(?:Zn|Na|K|Mg|Ca|Al)\s*(?:\|\|?|/|-)\s*(?:Cu|Ti|SS|Zn|Na|K|Mg|Al|stainless|Au)\b"
    r"|\b(?:Zn|Na|K|Mg|Ca|zinc|sodium|potassium|magnesium|calcium|alumin(?:i)?um)\s+(?:metal\s+)?"
    r"(?:anodes?|plating|stripping|deposition|batter(?:y|ies)|cells?)\b"
    # "potassium||Cu", "sodium-to-copper", "copper|zinc": a spelled-out cell of another metal
    r"|\b(?:zinc|sodium|potassium|magnesium|calcium)\s*(?:\|\|?|/|[- ]to[- ])\s*"
    r"(?:copper|Cu|titanium|Ti|stainless|SS|Au|gold)\b"
    r"|\b(?:copper|Cu|titanium|Ti|stainless steel|SS)\s*(?:\|\|?|/)\s*"
    r"(?:zinc|sodium|potassium|magnesium|calcium)\b",
    re.I,
)
# After the value: "99.8% for the HC anode", "99.72% for 300 cycles in Cu||Na cell cycling".
_OTHER_AFTER_VALUE = re.compile(
    r"^[^;]{0,40}?\b(?:for|of|on|in|with)\s+(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:HC|Si|SiOx|Zn|Na|K|Mg|Ca|(?i:hard[- ]carbon|graphite|silicon|zinc|sodium|potassium"
    r"|magnesium))"
    r"(?![\w+|/-])(?!\s*(?:\|\|?|/)\s*Li\b)"
)
_OTHER_CELL_AFTER = re.compile(
    r"^[^;]{0,60}?\b(?:Cu\s*(?:\|\|?|//?)\s*(?:Na|K|Zn|Mg)|(?:Na|K|Zn|Mg)\s*(?:\|\|?"
    r"|//?)\s*(?:Cu|Na|K|Zn|Mg))\b"
)
_FIRST_CYCLE_AFTER = re.compile(
    r"^\s*\)?\s*(?:\S+\s+){0,4}?(?:in|at|during|for)\s+the\s+(?:first|initial|1st)\s+cycle", re.I
)
_CATHODE_ATTACHED_AFTER = re.compile(r"^\s*(?:\w+\s+){0,2}(?:of|for|on|at)\s+the\s+(?:\w+\s+)?cathode", re.I)
_CATHODE_SUBJECT = re.compile(
    r"\bcathodes?\b|\bpositive electrodes?\b"
    # a cathode named by its formula: "the LiNi0.8Co0.1Mn0.1O2 electrode"
    r"|\b(?:Li(?:Ni|Co|Mn|Fe)[\w.\[\]]*|NCM\d*|NMC\d*|LFP|LCO|NCA|LNMO)\s+electrodes?\b",
    re.I,
)
_LI_SUBJECT = re.compile(
    # a current collector (not an Al one) is where Li is plated: "This Cu current collector
    # ... relative to ... cathodes and maintains a CE of 99.0%" (held-out batch 16)
    r"(?<!Al\s)(?<!aluminium\s)(?<!aluminum\s)\bcurrent\s+collectors?\b|"
    # "When paired with an NCM811 cathode, the system retains ...": the cathode is the partner
    # of the subject, a Li anode in a full cell (held-out batch 17)
    r"\b(?:paired|coupled|matched|combined|assembled)\s+(?:with|to|against)\b|"
    r"\bLi\s*(?:\|\|?|/|-)|\banode|\b(?:Li|lithium)[- ]metal\b|\bfull[- ](?:cells?|batter(?:y"
    r"|ies))\b|\b(?:A?SS|QSS)?LMBs?\b|\bAFL?M?Bs?\b",
    re.I,
)
# "(average coulombic efficiencies of bare Li are 81.6% when paired with LCO ...)": a CE said of
# Li is Li's, though a cathode is named earlier in the sentence (held-out batch 19)
_CE_OF_LI = re.compile(
    r"(?:coulombic\s+)?(?:efficienc\w*|CEs?)\s+of\s+(?:the\s+)?(?:bare\s+|pristine\s+|plated\s+)?"
    r"(?:Li|lithium)\b(?!\s*(?:\|\|?|/|-))",
    re.I,
)
_TARGET = re.compile(
    # ("It should be noted that ..." introduces a statement, no requirement: held-out batch 19)
    r"\b(?:requir\w*|needed|needs? to|necessary|must|"
    r"should(?!\s+be\s+(?:noted|mentioned|pointed\s+out|emphasi[sz]ed))|essential|imperative|strive|ideally|"
    r"targets?|thresholds?|milestones?|benchmarks?|goals?|quest|propel|aspirations?|would|"
    r"assum\w*|hypothetical\w*|theoretical\w*|suppos\w*|no less than|expected to|"
    r"predict\w*|simulat\w*|projected|"
    r"when it comes to)\b"
    # (the CE word whole: "When each cell was tested at 4 mA cm-2" is no condition on a CE)
    r"|\b(?:if|when|once)\s+(?:the\s+)?(?:\w+\s+)?(?:CEs?\b|[Cc]oulombic)",
    re.I,
)
_GENERIC = re.compile(
    r"\b(?:typical\w*|generally|usually|common|commonly|in general|to date|so far|state-of-the-art|"
    r"researchers|recent progress|advances?|advancements?|"
    r"(?:have|has)\s+(?:achieved|demonstrated|reached|shown)|"
    r"mild conditions|practical conditions|literature|conventional)\b"
    r"|\bLi(?:thium)?\s+metal\s+(?:anodes|batteries)\b",
    re.I,
)
# "a CE of 99.5%, which is comparable to those of state-of-the-art systems": the field is what
# the text's value is compared with, after it (held-out batch 16)
_COMPARED_WITH = re.compile(
    r"\b(?:comparable|similar|close|equal|superior|on par)\s+(?:to|with)\b|\bthan\b"
    r"|\b(?:rival|surpass|exceed|outperform|match)\w*\s+(?:those|that)\b",
    re.I,
)
# "As a result, ...", "Consequently, ...": a sentence stating what the text's own work gives
_RESULT_OPENER = re.compile(r"\s*(?:As a result|Consequently|Accordingly|Therefore|Thus|Hence|As a consequence)\b,?")
# Weak signs of a field summary: they do not make one of a sentence about the text's own
# work ("We report ...") or about a named material ("the Ti3C2I2 host", "LHCE").
_WEAK_GENERIC = re.compile(r"^(?:conventional|Li(?:thium)?\s+metal\s+(?:anodes|batteries))$", re.I)
_NAMED_MATERIAL = re.compile(r"\b[A-Z][a-z]?\d|\b(?!(?:CEs?|LMBs?|LMAs?|SEI|LIBs?)\b)[A-Z]{2,}[A-Za-z0-9]*\b")
# A CE that is the premise of a claim: "... with a CE of 99.00% endures for 22 cycles".
_PREMISE_AFTER = re.compile(
    r"^\s*\)?\s*(?:(?:or even|and even)\b|(?:endures?|lasts?|survives?|only)\b|"
    r"(?:can|could|would|will|may|might)\s+(?!be\s+(?:achieved|maintained|obtained|reali[sz]ed"
    r"|delivered|reached|"
    r"attained|sustained|retained|kept)))",
    re.I,
)
# Earlier work quoted in an abstract: "the highest reported CE of 99.5%", "was recently realized".
# "achieved ~97% CE, agreeing with previous reports": the text's own value, said to agree with
# earlier work, is no quotation of it (held-out batch 15).
_AGREES_WITH = re.compile(
    r"\b(?:agree\w*|consistent|in\s+(?:good\s+)?(?:agreement|line|accordance)|comparable|similar|"
    r"in\s+keeping|matching|matches|echoing)\s+(?:well\s+)?(?:with|to)?\s*(?:the\s+|those\s+(?:of|in)\s+)?$",
    re.I,
)
_PRIOR_WORK = re.compile(
    r"\b(?:highest|best|record)\s+(?:ever\s+)?reported\b|\brecently\s+(?:realized|reported"
    r"|achieved|"
    r"demonstrated|obtained|shown)\b|\bpreviously\s+reported\b|\b(?:has|have)\s+been\s+reported\b"
    r"|\b(?:previous|prior|earlier)\s+(?:studies|works?|reports?|research)\b"
    r"|\breported\s+(?:previously|earlier|before)\b"
    # "The cycling efficiency of lithium was reported to be 88% in THF" (held-out batch 13)
    r"|\b(?:was|were)\s+(?:\w+\s+)?reported\s+(?:to\s+be|as)\b",
    re.I,
)
# A goal written as an order, as milestone lists are ("Identify electrolytes that enable a CE of
# 99.8%", "Increase CE of AFLB to > 99.8%"): a sentence opening with a bare verb (held-out batch 14).
_IMPERATIVE = re.compile(
    r"^\s*(?:\d+[.)]\s*|[-•*]\s*)?(?:Identify|Increase|Improve|Achieve|Demonstrate|Develop|Enable|Reach"
    r"|Attain|Obtain|Raise|Boost|Deliver|Establish|Validate|Design|Optimize|Optimise|Determine)\s+"
    r"(?!(?:of|in|was|were|is|are|has|have)\b)"
)
# A milestone or target that a result met ("..., which delivers the scheduled milestone",
# "meeting this quarter's target"): the value before it is measured, not a goal.
_MET_TARGET_BEFORE = re.compile(
    r"\b(?:deliver|meet|met|achiev|reach|complet|accomplish|fulfil|exceed|surpass|beat|beyond)\w*\s+"
    r"(?:[\w'’-]+\s+){0,3}$",
    re.I,
)
# "While/Although/Though/Whereas ..., ": a leading clause of its own.
_CONCESSIVE = re.compile(r"^\s*(?:While|Although|Though|Even though|Whereas)\b[^,;]{0,300},")
_MEANS_OPENER = re.compile(
    r"^\s*(?:By|Through|Via|Using|Leveraging|Guided\s+by|Informed\s+by|Based\s+on|Aided\s+by)\b"
    r"(?![^,;]{0,300}\b(?:assum|suppos|hypothe|theoretical|if\b))[^,;]{0,300},",
    re.I,
)
_OWN_WORK = re.compile(r"\b(?:we|our|this work|this study|herein|here)\b", re.I)
# Where a clause stops belonging to a result (issue #13, class 3): a comparison ("than",
# "outperforming", "compared with") names another system's conditions.
_COMPARATOR = re.compile(
    r"\bthan\b(?!\s*(?:[~≈∼>]|about\s+|approximately\s+)?\s*\d)|\boutperform\w*"
    r"|\bcompared\s+(?:with|to)\b|\bin contrast\b|\bversus\b|\bvs\.|"
    r"\bsuperior to\b|\bbetter than\b|\brelative to\b|\bin comparison (?:with|to)\b"
    r"|\bimprovement\s+(?:over|on)\b",
    re.I,
)
COMPARATOR = _COMPARATOR  # the start of a comparison with another system (used by api)
_RETENTION = re.compile(r"\bretention\b|\bretain\w*|\bmaintain\w*\s+(?:\w+\s+){0,2}\d", re.I)
_VERB = (
    r"(?:enabl|allow|deliver|show|exhibit|demonstrat|achiev|retain|maintain|display|provid"
    r"|realiz|sustain|yield|permit|afford|offer|giv|keep|kept|preserv)\w*\b"
)
_CLAUSE_BREAK = re.compile(r",\s*(?:and|while|whereas|but)\b|;|\bwhile\b|\bwhereas\b")
_SEPARATOR = re.compile(_CLAUSE_BREAK.pattern + r"|\bcompared (?:with|to)\b|\bversus\b|\bvs\.")
_QUALIFIERS = (
    ("up to", re.compile(r"(?:up to|as high as|a maximum of|maximum of|max\.?)\s*$", re.I)),
    (
        "about",
        re.compile(
            r"(?:about|approximately|approx\.|around|nearly|\bnear|roughly|~|≈|∼|ca\.|close to|approach\w*)\s*$", re.I
        ),
    ),
    (
        ">",
        re.compile(
            r"(?:over|exceed\w*|more than|greater than|higher than|above|>|≥|at least|beyond|"
            r"surpass\w*|in excess of)\s*$",
            re.I,
        ),
    ),
    ("<", re.compile(r"(?:below|less than|lower than|under|<|≤)\s*$", re.I)),
)
_AVERAGE_BEFORE = re.compile(r"\b(?:average|averaged|mean|avg\.?)\s+(?:[\w/-]+\s+){0,2}$", re.I)
# "the highest CE of 99.3%" ranks systems (electrolytes, hosts), not cycles of one test: no
# qualifier (README; b14-01, b16-06); "maximum", "max.", "peak" are one test's "up to"
_MAXIMUM_BEFORE = re.compile(r"\b(?:maximum|max\.|peak)\s+(?:[\w|/-]+\s+){0,3}$", re.I)
_AVERAGE_IN = re.compile(r"\baverag\w*\b|\bon average\b|\bmean\b", re.I)

MIN_CE_PERCENT = 40.0  # below this a "CE" number is a typo, a loss or an additive, not a Li CE
# A failing Li plating cell's CE stated as a value is a result however low ("the CE of the Li||Cu
# cell decreased to 14.9% after 48 cycles", "the CEs of the cells were 26%, 64% and 73%", "a
# steep decrease in the CE to <20%") (labelling rule, held-out batches 19-20): below
# MIN_CE_PERCENT only when the CE falls or is said to be the value, never a change ("improved
# by 20%", "a 5% higher CE", "a CE loss of 20%").
_FALL_TO_BEFORE = re.compile(
    r"(?:\b(?:decreas\w*|declin\w*|dropp?\w*|fell|falls?|falling|reduc\w*|deteriorat\w*|plummet\w*|degrad\w*)"
    r"(?:\s+in\s+(?:the\s+)?(?:CEs?|(?:coulombic\s+)?efficienc\w*))?"
    r"(?:\s+(?:sharply|rapidly|quickly|steeply|dramatically|significantly|gradually))?\s+to"
    r"|\b(?:were|was|is|are)(?:\s+(?:only|just))?"
    r"|\breach\w*(?:\s+(?:only|just))?(?:\s+a\s+value\s+of)?)"
    r"\s*(?:below|under|less\s+than|about|approximately|only|[<~≈∼≤])?\s*$",
    re.I,
)
_CHANGE_AFTER = re.compile(
    r"\s*(?:higher|lower|more|less|greater|better|worse|increase|decrease|improvement|enhancement|loss|drop"
    r"|of\s+(?:the|its)\b)",
    re.I,
)
_BASELINE_PARENTHESES = re.compile(
    r"\b(?:than|compared\s+(?:with|to)|in\s+comparison\s+(?:with|to)|relative\s+to|versus|vs\.?)\s+"
    r"(?:(?:that|those)\s+of\s+)?[^()%;,]{1,70}\(\s*(?:[~≈∼]\s*)?$",
    re.I,
)
_VERSUS_GAP = re.compile(r"[^%;()]{0,40}\b(?:vs\.?|versus)\s*(?:[~≈∼]\s*)?", re.I)
LOW_CE_PERCENT = 5.0  # a CE stated as a failing cell's value, no lower
MAX_COORDINATED = 8  # results coordinated in one clause ("99.1%, 98.7% and ... at 1 mA cm-2")


@dataclass
class Mention:
    """A CE value in a sentence and why it was taken."""

    value: float
    high: float | None
    start: int  # the number, in the sentence
    end: int
    anchor: int  # where the mention begins: its CE word, or the number
    link: str  # "keyword", "after-number", "fraction", "continuation"
    qualifiers: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    rejected: str | None = None


@dataclass
class Result:
    """One CE result of a sentence, positions relative to the sentence."""

    ce_percent: float
    ce_high_percent: float | None
    qualifier: str | None
    current_density_mA_cm2: float | None
    areal_capacity_mAh_cm2: float | None
    cycles: int | None
    cell: str | None
    method_hint: str | None
    confidence: float
    reason: str
    value_start: int
    value_end: int


def _percent_tokens(s: str) -> list[tuple[int, int, float, float | None]]:
    tokens: list[tuple[int, int, float, float | None]] = []
    for m in _RANGE.finditer(s):
        lo = m.group("lo") or m.group("lo2") or m.group("lo3")
        hi = m.group("hi") or m.group("hi2") or m.group("hi3")
        lo_v, hi_v = parse_number(lo), parse_number(hi)
        if lo_v < hi_v <= 100:
            start = m.start("lo") if m.group("lo") else m.start("lo2") if m.group("lo2") else m.start("lo3")
            tokens.append((start, m.end(), lo_v, hi_v))
    for m in _PERCENT.finditer(s):
        if any(a <= m.start() < b for a, b, _, _ in tokens):
            continue
        tokens.append((m.start(), m.end(), parse_number(m.group("v")), None))
    for m in _PERCENT_LIST.finditer(s):
        for n in re.finditer(NUMBER, m.group("list")):
            a, b = m.start("list") + n.start(), m.start("list") + n.end()
            if not any(x <= a < y for x, y, _, _ in tokens):
                tokens.append((a, b, parse_number(n.group()), None))
    return sorted(tokens)


# A capacity figure or retention between two values ends a list of CEs; an areal capacity
# condition ("a deposition capacity of 5 mAh cm-2, and even 96%") does not.
_CONTINUATION_BLOCK = re.compile(
    # "a CE of 99.1% and an energy efficiency of 92%": another efficiency, not a CE of the list
    r";|\befficienc|\bretention\b|\bcapacity\b(?!\s*(?:of|=|:|\()?\s*(?:about\s+|[~≈∼]\s*)?\d+(?:\.\d+)?\s*"
    r"(?:mA\s*h|mAh|μAh|µAh|uAh|Ah)\s*(?:/\s*)?cm)",
    re.I,
)


# "Li||Cu cells ... show a CE of 99.1%. In contrast, the carbonate electrolyte gives only 92.3%
# under the same conditions": a contrast that opens the next sentence carries its CE word.
_CARRIED_OPENER = re.compile(r"^\s*(?:(?:In|By)\s+(?:contrast|comparison)|Comparatively|Conversely)\b,?", re.I)
# Words of another figure: a contrast sentence about them carries no CE.
_NOT_CARRIED = re.compile(
    r"\b(?:capacit\w*|retention|retain\w*|utili[sz]ation|porosity|conductivity|efficienc\w*|energy|"
    r"voltage|loss|decay|fad\w*|swelling|expansion)\b"
    # an initial CE ("ICE") is the first cycle's, not the CE the sentence before stated
    r"|\bICEs?\b|\binitial\b",
    re.I,
)


def carries_ce(s: str) -> bool:
    """True when ``s`` has no CE word and opens with a contrast that carries the one before."""
    return not _KEY.search(s) and bool(_CARRIED_OPENER.match(s)) and not _NOT_CARRIED.search(s)


def find_mentions(s: str, carried: bool = False) -> list[Mention]:
    """Every CE mention of sentence ``s``, including rejected ones (``rejected`` says why).

    ``carried``: the sentence before, in the same paragraph, stated a CE result; a sentence
    without a CE word of its own that opens with a contrast ("In contrast, ...") carries it.
    """
    keys = list(_KEY.finditer(s))
    if carried and carries_ce(s):
        keys = [m for m in [_CARRIED_OPENER.match(s)] if m]
    # "the recovery efficiency of Li deposition": another kind of efficiency, though of Li
    keys = [
        k
        for k in keys
        if not (k.group()[:1] in "eE" and _OTHER_EFFICIENCY.search(s, max(0, k.start() - 25), k.start()))
    ]
    weak = _weak_keys(s, keys) + _reversibility_keys(s, keys)
    if weak:
        keys = sorted([*keys, *weak], key=lambda k: k.start())
    key_ends = [k.end() for k in keys]
    mentions: list[Mention] = []
    tokens = _percent_tokens(s)
    for index, (start, end, value, high) in enumerate(tokens):
        after, before = s[end : end + 60], s[max(0, start - 40) : start]
        forward = _FORWARD.match(after) or _list_before_forward(s, tokens, index)
        mention = None
        pre = None  # where a qualifier of the value may stand
        if forward:
            mention = Mention(
                value,
                high,
                start,
                end,
                start,
                "after-number",
                reasons=["CE named right after the value"],
            )
            if re.search(r"\b(?:average|averaged|mean)\b", forward.group("words"), re.I) or re.search(
                r"\b(?:average|averaged|mean)\s+(?:of\s+)?(?:about\s+|approximately\s+|[~≈∼]\s*)?$",
                before,
                re.I,
            ):  # "99.5% average CE", "an average of 99.1% CE"
                mention.qualifiers.append("average")
            if re.search(r"initial|first", forward.group("words"), re.I):
                mention.rejected = "first-cycle CE"
        elif _OTHER_AFTER.match(after) or _OTHER_BEFORE.search(before) or _CHEMICAL_AFTER.match(after):
            continue  # capacity retention, Li excess, an additive ("5% FEC"), ...
        else:
            i_key = bisect.bisect_right(key_ends, start) - 1  # the nearest CE word before
            key = keys[i_key] if i_key >= 0 else None
            gap = s[key.end() : start] if key else ""
            # "improved CE (short-term 10-cycle ... cycling in Li||Cu half cells) from 99.4% to 99.5%":
            # the test details in parentheses right after the CE word are no distance (batch 14)
            span = len(_DETAILS_AFTER_KEY.sub("", gap, count=1)) if key else 0
            if key and span <= (_WEAK_GAP if key in weak else 100) and not _GAP_BLOCK.search(gap):
                mention = Mention(value, high, start, end, key.start(), "keyword")
                mention.reasons.append(
                    "CE named right before the value" if len(gap) <= 30 else "CE named a clause before the value"
                )
                if _AVERAGE_BEFORE.search(s[max(0, key.start() - 40) : key.start()]) or "avg" in key.group():
                    mention.qualifiers.append("average")
                elif _AVERAGE_IN.search(gap):
                    mention.qualifiers.append("average")
                if _MAXIMUM_BEFORE.search(s[max(0, key.start() - 40) : key.start()]):
                    mention.qualifiers.append("up to")  # "a maximum Li||Cu CE (CE) of 99.9%"
                _reject_keyword_context(s, key, gap, mention)
            elif (
                mentions
                and mentions[-1].end <= start
                and not mentions[-1].rejected
                and value >= 80
                and _BASELINE_PARENTHESES.search(s, max(mentions[-1].end, start - 100), start)
            ):
                # "97.1% ..., much higher than when using the additive-free electrolyte (92.2%)",
                # "96.4% ... compared to that of bare Li anodes (94.3%)": the comparator's own value
                # in parentheses, however long the first value's clause (held-out batch 19)
                mention = Mention(value, high, start, end, start, "continuation")
                mention.reasons.append("comparator of a CE in parentheses")
                pre = ""
            elif (
                mentions
                and mentions[-1].end <= start
                and (
                    value >= 80
                    or _low_stated(s, mentions[-1], start, end, value)
                    # "81.6% when paired with LCO vs. 75.2% with NCM-811": a CE set against another
                    or (value >= MIN_CE_PERCENT and _VERSUS_GAP.fullmatch(s, mentions[-1].end, start))
                )
            ):
                prev = mentions[-1]
                link_gap = s[prev.end : start]
                if len(link_gap) <= 120 and not _CONTINUATION_BLOCK.search(link_gap):
                    mention = Mention(value, high, start, end, start, "continuation")
                    mention.reasons.append("continues a list of CE values")
                    pre = link_gap[-40:]  # "99.5% and ~99.3%": the qualifier of the second value
                    if "average" in prev.qualifiers and re.fullmatch(
                        # "... 99.1% (0.5 mA cm-2, 1 mAh cm-2) and 98.5%": own conditions between
                        # or a short condition phrase: "99.2% at 25 °C and 98.5% at −20 °C"
                        r"\s*(?:\([^()]{0,80}\)\s*|(?:at|under|with|in|for)\s+[^,;()%]{1,40}?)?"
                        r"(?:,|,?\s*and|,?\s*or|to)\s*",
                        link_gap,
                    ):
                        mention.qualifiers.append("average")
                    if prev.rejected and not (
                        prev.rejected == "first-cycle CE"
                        and (_later_cycles(s, prev.end, end) or _fall_after_first(s, prev.end, start))
                    ):
                        mention.rejected = prev.rejected
        if mention is None:
            continue
        if pre is None:
            pre = s[max(mention.anchor, start - 40) : start] if mention.link != "after-number" else before
        for name, regex in _QUALIFIERS:
            if regex.search(pre):
                mention.qualifiers.append(name)
                break
        if high is not None:
            mention.qualifiers.append("range")
            mention.reasons.append("CE given as a range")
        if _AVERAGE_AFTER.match(s, end) and "average" not in mention.qualifiers:
            mention.qualifiers.insert(0, "average")
        if not mention.rejected and _INITIALLY_BEFORE.search(s, max(0, start - 20), start):
            mention.rejected = "first-cycle CE"
        mentions.append(mention)
    for key in keys:
        fraction = _FRACTION.match(s[key.end() :])
        if fraction and not any(m.anchor <= key.start() < m.end for m in mentions):
            value = parse_number(fraction.group("v")) * 100
            start, end = key.end() + fraction.start("v"), key.end() + fraction.end("v")
            mention = Mention(value, None, start, end, key.start(), "fraction")
            mention.reasons.append("CE written as a fraction")
            if _AVERAGE_BEFORE.search(s[max(0, key.start() - 40) : key.start()]):
                mention.qualifiers.append("average")
            for name, regex in _QUALIFIERS:
                if regex.search(s[key.end() : start]):
                    mention.qualifiers.append(name)
                    break
            _reject_keyword_context(s, key, s[key.end() : start], mention)
            mentions.append(mention)
    mentions.sort(key=lambda m: m.start)
    for i, mention in enumerate(mentions):
        if (
            mention.link == "continuation"
            and i
            and mentions[i - 1].rejected
            # "The Na||Cu cell ... 99.9%, and the Li||Cu cell 99.2%": a Li-metal cell between
            and not _LI_METAL.search(s[mentions[i - 1].end : mention.start])
            and not (
                mentions[i - 1].rejected == "first-cycle CE"
                and (
                    _later_cycles(s, mentions[i - 1].end, mention.end)
                    or _fall_after_first(s, mentions[i - 1].end, mention.start)
                )
            )
        ):
            mention.rejected = mentions[i - 1].rejected  # "99.00% endures ... falls to 80%"
        if mention.rejected:
            continue
        low = mention.value < MIN_CE_PERCENT and _low_stated(
            s, mentions[i - 1] if i else None, mention.start, mention.end, mention.value, mention
        )
        # over 100% ("a high CE of 100.1%") stays out: a draft with it fails ``cedb check``
        if not (MIN_CE_PERCENT <= mention.value <= 100 or low) or (mention.high is not None and mention.high > 100):
            mention.rejected = "value out of range for a CE"
            continue
        region_start = mentions[i - 1].end if i else 0
        before = s[region_start : mention.anchor]
        gap = s[mention.anchor : mention.start]
        if _names_other_electrode(before + " " + gap):
            mention.rejected = "CE of another electrode (graphite, silicon, Zn, Na, ...)"
        elif (
            _CATHODE_SUBJECT.search(before)
            and not _LI_SUBJECT.search(before)
            and not _CE_OF_LI.match(s, mention.anchor, mention.start)
        ):
            mention.rejected = "CE of the cathode"
        elif _PREMISE_AFTER.match(s[mention.end :]):
            mention.rejected = "hypothetical: the CE is the premise of a claim"
        else:
            following = s[mention.end : mentions[i + 1].start if i + 1 < len(mentions) else None]
            if _OTHER_AFTER_VALUE.match(following) or _OTHER_CELL_AFTER.match(following):
                mention.rejected = "CE of another electrode (named after the value)"
            elif _FIRST_CYCLE_AFTER.match(following):
                mention.rejected = "first-cycle CE"
                # "75% and 87% for the first cycle, respectively": every value of the list
                for j in range(i - 1, -1, -1):
                    if mentions[j].rejected or not _LIST_JOINT.fullmatch(s, mentions[j].end, mentions[j + 1].start):
                        break
                    mentions[j].rejected = "first-cycle CE"
    # "increased from 99.0% to 99.5%": the start of an improvement is not a result of the
    # text (policy: only Y; a comparator named with its own system is a result).
    # "from 95.9 and 98.6% for bare Li, to >99.3%": every value of the "from" list.
    i = 0
    while i < len(mentions):
        if not _FROM_BEFORE.search(s[max(0, mentions[i].start - 50) : mentions[i].start]):
            i += 1
            continue
        j = i
        while j + 1 < len(mentions) and re.fullmatch(
            r"\s*(?:,|,?\s*and|,?\s*or)\s*", s[mentions[j].end : mentions[j + 1].start]
        ):
            j += 1
        following = mentions[j + 1].start if j + 1 < len(mentions) else None
        if following is not None and re.search(r"\bto\b", s[mentions[j].end : following]):
            for m in mentions[i : j + 1]:
                if not m.rejected:
                    m.rejected = "baseline of an improvement ('from X to Y'): only Y is a result"
        i = j + 1
    # "improved to 99.3% (from 96.5% for the control)": the same baseline, named after the end.
    for a, b in zip(mentions, mentions[1:]):
        if (
            not b.rejected
            and re.search(r"\bto\s*$", s[max(0, a.start - 20) : a.start], re.I)
            and re.search(r"[(,]\s*from\s*$", s[max(a.end, b.start - 20) : b.start], re.I)
        ):
            b.rejected = "baseline of an improvement ('to Y, from X'): only Y is a result"
    # "improved CE (98.5% vs 85.0%)", "an increased CE of 99.2% versus 96.1%": a bare value after
    # "vs" in an improvement is where it started, as "from X to Y" (held-out batch 17); a value
    # of another system ("higher CE (99.8% versus 98.7%)", "versus 98.9% for DME") is a comparator.
    for a, b in zip(mentions, mentions[1:]):
        if (
            not b.rejected
            and _VS_BARE.fullmatch(s[a.end : b.start])
            and _IMPROVED_BEFORE.search(s[max(0, a.start - 60) : a.start])
            and not _SYSTEM_AFTER.match(s, b.end)
        ):
            b.rejected = "baseline of an improvement ('improved: Y vs X'): only Y is a result"
    return mentions


_LIST_JOINT = re.compile(r"\s*%?\s*(?:,\s*(?:(?:and|or)\s+)?|,?\s*(?:and|or)\s+)(?:about\s+|[~≈∼>]\s*)?")
# "85% in the first cycle and 99.6% in the following ones", "an initial CE of 80% that rises to
# 99.5% thereafter": a value after a first-cycle CE that is said of later cycles is not one.
_LATER_CYCLES = re.compile(
    r"\b(?:subsequent|following|later|remaining|succeeding|next|ensuing)\s+(?:\w+\s+)?cycles?\b|\bthe\s+rest\b"
    r"|\b(?:thereafter|afterwards?|subsequently|after\s+that)\b"
    # "initially 98.2%, 99.4% on average": an average over the cycles (held-out batch 16)
    r"|\bon\s+average\b|\baveraged\s+over\b",
    re.I,
)
# "initially 98.2%", "at first 97%": the value of the first cycle, written as an adverb
_INITIALLY_BEFORE = re.compile(r"\b(?:initially|at\s+first|at\s+the\s+start)\s*[~≈∼]?\s*$", re.I)
# "99.4% on average", "99.4% averaged over 300 cycles": an average written after its value
_AVERAGE_AFTER = re.compile(r"\s*(?:on\s+average|in\s+average|averaged\s+over)\b", re.I)


def _low_stated(
    s: str, prev: "Mention | None", start: int, end: int, value: float, mention: "Mention | None" = None
) -> bool:
    """Whether a value below MIN_CE_PERCENT is a failing cell's CE stated as a value: it falls to
    the value or is said to be it, the CE word its subject (a keyword mention) or a value listed
    or falling after one ("were 26%, 64%, and 73%"; "..., whereas that of B reduced to 12.9%")."""
    if value < LOW_CE_PERCENT or _CHANGE_AFTER.match(s, end):
        return False
    if mention is not None and mention.link == "keyword":
        # the CE word is the value's subject: no change ("by", "from") or other value between
        fall = _FALL_TO_BEFORE.search(s, max(0, start - 60), start)
        return bool(fall) and not re.search(r"\b(?:by|from)\b|%", s[mention.anchor : fall.start()])
    if prev is None or start - prev.end > 120:
        return False
    # "were 26%, 64%, and 73%": listed after a value that is itself low (a continuation needs 80)
    listed = _LIST_JOINT.fullmatch(s, prev.end, start) and prev.value < 80
    return bool(listed) or _falls_to(s, max(0, start - 60), start)


def _falls_to(s: str, lo: int, start: int) -> bool:
    """Whether the words between ``lo`` and the value at ``start`` say a CE falls *to* it
    ("rapidly decreased to", "a steep decrease in the CE to <"), not that it is or reaches it."""
    fall = _FALL_TO_BEFORE.search(s, lo, start)
    return bool(fall and "to" in fall.group().lower().split())


def _fall_after_first(s: str, after_first: int, start: int) -> bool:
    """ "76.9% in the first cycle, and it rapidly decreased to 14.9% after 48 cycles": a fall after
    a first-cycle CE is a later cycle's value."""
    return _falls_to(s, max(after_first, start - 60), start)


def _later_cycles(s: str, after_first: int, end: int) -> bool:
    """Whether the value ending at ``end`` is said of the cycles after a first-cycle CE ending at
    ``after_first`` (in the words between them or right after the value)."""
    return bool(_LATER_CYCLES.search(s, after_first, min(len(s), end + 50)))


# "the high efficiency (99.4%) and stability of Li-metal anode", "an efficiency of 99.5% for the
# lithium metal anode": the efficiency of the Li-metal anode is its CE (held-out batch 14).
_OF_LI_ANODE = re.compile(r"[^;]{0,50}?\b(?:of|for)\s+(?:the\s+|a\s+|an\s+)?(?:Li|lithium)[- ]metal\s+anodes?\b", re.I)


def _weak_keys(s: str, keys: list["re.Match[str]"]) -> list["re.Match[str]"]:
    """Efficiencies without a kind that name the CE in ``s`` (see ``_WEAK_KEY``)."""
    if "fficienc" not in s:
        return []
    found = []
    for m in _WEAK_KEY.finditer(s):
        if any(k.start() < m.end() and m.start() < k.end() for k in keys):
            continue  # part of a CE word: "Coulombic efficiency", "Li deposition efficiency"
        if _OTHER_EFFICIENCY.search(s, max(0, m.start() - 25), m.start()) or _EFFICIENCY_OF_OTHER.match(s, m.end()):
            continue
        if m.group().lower().startswith("efficienc") and not _PLAIN_EFFICIENCY_BEFORE.search(
            s, max(0, m.start() - 25), m.start()
        ):
            continue  # "recovery efficiency", "nucleation efficiency": a kind the list does not know
        found.append(m)
    if found and (
        PLATING.search(s)
        or any(c.kind in ("li-cu", "anode-free") for c in find_cells(s))
        or any(_OF_LI_ANODE.match(s, m.end()) for m in found)
    ):
        return found
    return []


# "For lithium-metal anodes the reversibility exceeds 99%": the reversibility of Li plating is
# its CE (held-out batch 13), in a sentence about Li metal, right before its value; never the
# reversibility of a capacity, a structure, a phase or another electrode.
_REVERSIBILITY = re.compile(r"\breversibilit(?:y|ies)\b", re.I)
_OTHER_REVERSIBILITY = re.compile(
    r"\b(?:capacity|structural|structure|phase|redox|thermal|cathode|anionic|oxygen|sulfur|conversion)\W*$",
    re.I,
)


def _reversibility_keys(s: str, keys: list["re.Match[str]"]) -> list["re.Match[str]"]:
    if "eversibilit" not in s or not _LI_METAL.search(s):
        return []
    return [
        m
        for m in _REVERSIBILITY.finditer(s)
        if not any(k.start() < m.end() and m.start() < k.end() for k in keys)
        and not _OTHER_REVERSIBILITY.search(s, max(0, m.start() - 25), m.start())
        and not _EFFICIENCY_OF_OTHER.match(s, m.end())
    ]


# "from 84.6%", "from<80%", "from below 90%": where an improvement started, with its bound
_FROM_BEFORE = re.compile(
    r"\bfrom\s*(?:(?:[<>≤≥~≈∼]|about|around|approximately|nearly|below|under|over|above|less than"
    r"|more than|only)\s*)?$"
    # "from an already high value of 99.4% to 99.5%" (held-out batch 14)
    r"|\bfrom\s+(?:(?:an?|the|its|their)\s+)?(?:[\w-]+\s+){0,3}(?:value|level|baseline)\s+of\s*$",
    re.I,
)


_VS_BARE = re.compile(r"\s*%?\s*(?:vs\.?|versus)\s*(?:[~≈∼]\s*)?", re.I)
_IMPROVED_BEFORE = re.compile(
    r"\b(?:improv|increas|enhanc|boost|rais|elevat)\w*\s+(?:[\w-]+\s+){0,3}"
    r"(?:CEs?|[Cc]oulombic\s+efficienc\w*|efficienc\w*)\b[^%]{0,25}$",
    re.I,
)
# the comparator's own system after its value ("for DME", "in the bare electrolyte"); not the
# cells both values were measured in ("in Li||Cu cells")
_SYSTEM_AFTER = re.compile(
    r"\s*%?\s*(?:for|of|with|by|in\s+(?!(?:the\s+|these\s+)?(?:Li|Cu|half|full|anode|coin|pouch|symmetric)\b))\s*(?!\d)",
    re.I,
)


# "95.9 and 98.6% CE", "97.2%, 98.1% and 98.6% CEs": values joined into a list whose last
# member has the CE word right after it.
_LIST_JOIN = re.compile(r"\s*%?\s*(?:,\s*(?:(?:and|or)\s+)?|,?\s*(?:and|or)\s+)(?:about\s+|[~≈∼]\s*)?")


def _list_before_forward(s: str, tokens: list, index: int) -> "re.Match[str] | None":
    """The CE word after the last value of a list that the value at ``index`` opens or
    continues ("95.9 and 98.6% CE"), else None."""
    j = index
    while (
        j + 1 < len(tokens)
        and j - index < MAX_COORDINATED
        and tokens[j + 1][0] >= tokens[j][1]
        and _LIST_JOIN.fullmatch(s[tokens[j][1] : tokens[j + 1][0]])
    ):
        j += 1
    if j == index:
        return None
    return _FORWARD.match(s[tokens[j][1] : tokens[j][1] + 60])


_BOUND = re.compile(r"[<>≥≤]|\b(?:over|above|exceed\w*|beyond|below|under|more than|less than)\b", re.I)


def _reject_keyword_context(s: str, key: re.Match[str], gap: str, mention: Mention) -> None:
    if (
        _FIRST_CYCLE_BEFORE.search(s[max(0, key.start() - 30) : key.start()])
        or _INITIALLY_VERB_BEFORE.search(s[max(0, key.start() - 40) : key.start()])
        or _FIRST_CYCLE_IN.search(gap)
    ):
        mention.rejected = "first-cycle CE"
    elif re.search(r"[A-Za-z]-$", s[max(0, key.start() - 2) : key.start()]) and _BOUND.search(gap):
        # "high-CE (>99.0%) Li metal anodes" names a class; "high-efficiency (99.7%) cycling of
        # Li||Cu cells" states a value
        mention.rejected = "CE used as a class label ('high-CE')"
    elif _CATHODE_ATTACHED_AFTER.match(s[key.end() :]) or re.search(
        r"cathode\W*(?:side\W*)?$", s[max(0, key.start() - 20) : key.start()], re.I
    ):
        mention.rejected = "CE of the cathode"
    elif re.search(r"^\s*(?:for|of)\s+the\s+(?:\w+\s+)?cathode", s[mention.end : mention.end + 40], re.I):
        mention.rejected = "CE of the cathode"


# --- the chemistry a text is about (issue #13, class 4) ------------------------------
# A CE is a Li-metal plating CE only if the text is about Li metal. A sentence often
# names nothing ("High average CEs of 99.9% were achieved over 300 cycles"); then the
# chemistry named last before it in the paragraph decides.
_LI_METAL = re.compile(
    # not a reference potential: "4.3 V vs. Li/Li+" (held-out batch 15)
    r"\bLi@|\bLi(?<!vs\.\sLi)(?<!vs\sLi)(?<!versus\sLi)\s*(?:\|\|?|/)\s*(?:Cu|Li)\b(?!\s*\^?\+)|\bCu\s*(?:\|\|?|/)\s*Li\b|\bLi\s*\|[^|\s]{1,25}\|"
    # "ASSLMBs", "SSLMB": (all-)solid-state Li-metal batteries (held-out batch 15)
    r"|\b(?:A?SS|QSS)?LMBs?\b|\bLMAs?\b|\bAFL?M?Bs?\b|\bLi(?:@\w+)?\s*(?:\|\|?|/)\s*(?:NCM|NMC|LFP|LCO|LiFePO4|LiCoO2|Li\[)"
    r"|(?i:\b(?:Li|lithium)[- ]metal\b"
    # not the Li of an alloy anode: "Al-Li anode", "In–Li anode" (held-out batches 15, 17)
    r"|(?<!In[–-])(?<!Al[–-])(?<!Si[–-])(?<!Sn[–-])\b(?:Li|lithium)\s+(?:plating|deposition|deposits"
    r"|stripping|anodes?|"
    r"dendrites?|nucleation)\b|\b(?:plating|deposited|deposition)\s+(?:of\s+)?(?:Li|lithium)\b"
    r"|\blithium[- ]to[- ]copper\b|\bcopper\s*\|\|?\s*lithium\b"
    # "anode-free" (also "anodefree") names Li metal unless another metal follows it
    r"|\banode[- ]?free\b(?!\s+(?:sodium|Na|potassium|K|zinc|Zn|magnesium|Mg)\b))"
)
_OTHER_CHEMISTRY = (
    (
        "sodium",
        re.compile(
            r"(?i:\bsodium(?:[- ]ion|[- ]metal|\s+(?:(?:all-?)?solid-state\s+)?(?:metal|anodes?"
            r"|batter\w*|cells?|plating|deposition)))"
            r"|\bNa(?:[- ]ion|[- ]metal|\s+(?:metal|anodes?|plating|deposition))\b|\bSMBs?\b"
            r"|\bNa\s*\|\|?\s*(?:Cu|Na)\b|\bCu\s*\|\|?\s*Na\b"
            r"|\|\|\s*Na\b(?![+\w])|(?<![\w+-])Na\s*\|\|"
            r"|(?i:\banode[- ]?free\s+(?:sodium|Na)\b)"
        ),
    ),
    (
        "potassium",
        re.compile(
            r"(?i:\bpotassium(?:[- ]ion|[- ]metal|\s+(?:metal|anodes?|batter\w*)))"
            r"|\bK(?:[- ]ion|[- ]metal|\s+(?:metal|anodes?))\b|\bK\s*\|\|?\s*(?:Cu|K)\b"
            # the metal as one electrode of a cell name: "PTCDA||K", "(K2Mn[Fe(CN)6])||K cells"
            r"|\|\|\s*K\b(?![+\w])|(?<![\w+-])K\s*\|\|"
            r"|\bCu\s*\|\|?\s*K\b"
        ),
    ),
    (
        "magnesium",
        re.compile(
            r"(?i:\bmagnesium(?:\s*\(Mg\))?(?:[- ]ion|[- ]metal|\s+(?:metal|anodes?|batter\w*"
            r"|plating|"
            r"electro\w*|surface)))"
            r"|\bMg(?:[- ]ion|[- ]metal|2\+|0/2\+|\s+(?:metal|anodes?|plating|deposition"
            r"|stripping|cycling|"
            r"batter\w*))|\bMg\s*(?:\|\|?|/)\s*(?:Cu|Mo|Mg)\b|\b(?:for|of)\s+Mg\b|\bMIBs?\b"
        ),
    ),
    (
        "zinc",
        re.compile(
            r"(?i:\b(?:aqueous\s+)?zinc(?:[- ]ion|[- ]metal|\s+(?:metal|anodes?|batter\w*"
            r"|plating|deposition)))"
            r"|\bZn(?:[- ]ion|[- ]metal|2\+|\s+(?:metal|anodes?|plating|deposition|stripping))"
            r"|\bA?ZIBs?\b"
            r"|\bZn\s*(?:\|\||//?)\s*(?:Cu|Zn)\b"
        ),
    ),
    (
        "Li–S",
        re.compile(
            r"(?i:\blithium[–-]\s?sulfur\b|\bpolysulfides?\b|\bshuttle effect\b"
            r"|\bsulfur\s+(?:cathodes?|electrodes?)\b)"
            # "C/S electrodes", "S/C cathode": a carbon–sulfur composite (held-out batch 14)
            r"|\b(?:C/S|S/C)\s+(?:composite\s+)?(?:cathodes?|electrodes?)\b"
            r"|\bLi[–-]S\b(?![\w-])|\bLi\s*(?:\|\|?|/)\s*(?:S|SPAN)\b(?![\w-])"
            # sulfur written "S" (or a graded "S600") as one electrode of a cell name:
            # "NCM811||S600", "S@C||Li", "Li2S||Cu" (held-out batch 17)
            r"|\|\|\s*(?:Li\s?2\s?)?S(?:\d+|@\w+)?\b(?![\w-])|(?<![\w+-])(?:Li\s?2\s?)?S(?:\d+|@\w+)?\s*\|\|"
        ),
    ),
    (
        "graphite/silicon",
        re.compile(
            r"(?i:\b(?:graphite|silicon)(?:[- ]based)?\s+anodes?\b|\bhard carbon\b)"
            r"|\b(?:HC|Si(?:Ox)?(?:/C)?|Si[- ]C|Gr)(?:[- ]based)?\s+anodes?\b"
            # Si anodes named otherwise: "Si NPs", "Si@TiO2", "Si-based electrodes", "the
            # pulverization of Si", "blended electrodes" of graphite and Si (held-out batch 20)
            r"|\bSi(?:@[\w(]|\s+(?:NPs?|nanoparticles?|particles?|nanowires?)\b)"
            r"|(?i:\b(?:Si|silicon)[- ]based\s+(?:electrodes?|anodes?)\b|\bblended\s+(?:electrodes?|anodes?)\b"
            r"|\b(?:volume\s+(?:expansion|change)|pulveri[sz]ation)\s+of\s+(?:the\s+)?(?:Si|silicon)\b)"
            # an intercalation anode: "TiO2 nanoweb electrode", "the delithiation capacity", an
            # anode's capacity per gram ("the CMC anode was 350 mAh g-1") (held-out batch 19)
            r"|\bTiO2\s+(?:[\w-]+\s+)?(?:electrodes?|anodes?)\b"
            r"|(?i:\b(?:de)?lithiation\)?\s+capacit)"
            r"|\banodes?\s+(?:\w+\s+){0,2}\d[\d.]*\s*mA\s*h\s*g\s*\^?-\s*1"
            # a current per gram ("during 1000 cycles at 1 A g-1") is an electrode material's test,
            # not Li plating's (a perovskite oxide anode, held-out batch 20)
            r"|\d\s*m?A\s*[·⋅]?\s*g\s*\^?-\s*1\b"
            # a Li-ion cell name: a cathode against a graphite, silicon or titanate negative side
            # ("NCM811||graphite", "LFP||Si/C", "Gr||NCM622") (held-out batch 17)
            r"|\|\|?\s*(?:graphite|Gr|Si(?:Ox)?(?:/C)?|SiC|HC|LTO|Li4Ti5O12)(?![\w@/-])"
            r"|(?<![\w@/-])(?:graphite|Gr|Si(?:Ox)?(?:/C)?|SiC|HC|LTO|Li4Ti5O12)\s*\|\|?(?!\s*(?:Li|Cu)\b)"
        ),
    ),
    # A Li–In alloy anode (solid-state cells, "NMC-811//SE//Li-In"): the cell's CE is the
    # cathode's against an alloy, not Li metal's (held-out batch 14)
    # "InLi", "In-Li", "In/InLi" alloy anodes are the same (held-out batch 15)
    (
        "Li–In alloy",
        re.compile(
            # any Li alloy anode, also written without a dash: "LiIn", "LiAl", "Li–Si", "Al-Li"
            # (held-out batch 17) — but not an alloy layer of a Li host ("the lithiophilic Li–In
            # alloy inner layer", "a Li–Sn/LiF interphase"): Li metal is plated on it
            r"(?<!lithiophilic\s)(?:\bLi[–-]?(?:In|Al|Si|Sn|Ge|Sb)\b(?![\w-])|\b(?:In|Al|Si|Sn)[–-]?Li\b(?![\w-])"
            r"|(?i:\blithium[–-](?:indium|aluminum|aluminium|silicon|tin)\b|\bindium[–-]lithium\b))"
            r"(?!\s*(?:alloy\s+)?(?:[\w-]+\s+)?(?:layers?|interphases?|interlayers?|coatings?|skins?|films?)\b"
            r"|\s*/\s*Li)"
        ),
    ),
    # not Li metal at all: a redox flow battery (its negolyte and posolyte), a supercapacitor
    (
        "flow battery or capacitor",
        re.compile(
            r"(?i:\b(?:redox[- ])?flow\s+(?:batter\w*|cells?)\b|\b(?:negolytes?|posolytes?)\b"
            r"|\b(?:super|ultra|pseudo)[- ]?capacit\w*|\b(?:hybrid|ion)\s+capacitors?\b"
            r"|\belectric(?:al)?\s+double[- ]layer\s+capacitors?\b)|\b(?:RFBs?|EDLCs?)\b"
        ),
    ),
    ("dual-ion", re.compile(r"(?i:\bdual[- ]ion\b)|\bDIBs?\b")),
    (
        "Li–O2",
        re.compile(
            r"(?i:\blithium[–-]\s?(?:oxygen|air|O2|CO2)\b)|\bLi[–-](?:O2|air|CO2)\b"
            r"|\bLi[–-]O₂"
        ),
    ),
)
_CONVERSION = ("Li–S", "Li–O2")  # Li-metal cells whose CE is the cathode chemistry's
# A capacity per gram with a C-rate and a capacity retention describes a cathode or a
# Li-ion full cell, not Li plating (unless the sentence names a Li-metal cell).
_PER_GRAM = re.compile(r"mA\s*h\s*g\s*\^?-\s*1|mAh/g|mAh\s+g\w*-1")


def _names_other_electrode(text: str) -> bool:
    """Another electrode is named, and no Li-metal cell after it ("Zn||Cu cells reach 99.8%
    ..., while Li||Cu cells reach a CE of 98.9%")."""
    other = [m.start() for m in _OTHER_ELECTRODE.finditer(text)]
    if not other:
        return False
    li = [m.start() for m in _LI_METAL.finditer(text, other[-1])]
    return not li


# "The CE measurement was obtained under standardized Li||Cu half-cell cycling conditions",
# "CE values were measured in Li|Cu cells": a sentence of the paragraph saying in which
# cell the CE was measured (without a value of its own) gives the cell of results whose
# sentence names none (issue #13, batch 6).
_MEASURED = re.compile(
    r"\b(?:measur|obtain|test|evaluat|determin|perform|conduct|carried out|assess|record)\w*",
    re.I,
)


def measurement_cell(s: str) -> str | None:
    """The one cell kind a sentence about how the CE was measured names, else None."""
    if "%" in s or not _KEY.search(s) or not _MEASURED.search(s):
        return None
    kinds = {c.kind for c in find_cells(s)}
    return kinds.pop() if len(kinds) == 1 else None


# "Its average CE of 99.4% is consistent with the Li||Cu half-cell data": a cell named as what
# a value is compared with is not the value's cell (held-out batch 14).
_REFERENCE_BEFORE = re.compile(
    r"\b(?:consistent|in agreement|in line|agrees?|agreeing|comparable|similar|matches|matching)\s+"
    r"(?:with|to)\s+(?:(?:that|those)\s+of\s+)?(?:the\s+|our\s+)?(?:\S+\s+)?$",
    re.I,
)
_REFERENCE_AFTER = re.compile(r"[^,;.]{0,20}?\b(?:data|results?|values?|measurements?)\b", re.I)


# A sentence's cells are asked for by its own results and by the CEs of the sentences after it.
@functools.lru_cache(maxsize=64)
def own_cells(s: str) -> tuple[Cell, ...]:
    """The cells ``s`` names, less those named only as a reference a value is compared with."""
    return tuple(
        c
        for c in find_cells(s)
        if not (_REFERENCE_BEFORE.search(s, max(0, c.start - 60), c.start) and _REFERENCE_AFTER.match(s, c.end))
    )


# A cell named for what it suits or is meant for ("suitable for anode-free cells", "applied to
# full cells"), or in a plan, is no test the paragraph reports.
_NOT_TESTED_BEFORE = re.compile(r"\b(?:for|to|towards?|as|than|like)\s+(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+)?$", re.I)
# "the current collector was applied to the anode-free cell": what was done to a cell is a test
# in it (held-out batch 20), unlike what a material suits ("applicable to anode-free cells")
_DONE_TO_BEFORE = re.compile(
    r"\b(?:was|were)\s+(?:\w+\s+)?(?:applied|introduced|employed|used|incorporated|assembled|integrated)"
    r"\s+(?:in|into|to)\s+the\s+(?:[\w-]+\s+)?$",
    re.I,
)
_PLAN = re.compile(r"\b(?:will|future|next step|planned|plans?\s+to|in progress)\b", re.I)


# A sentence stating a problem of a kind of cell reports no test in it: "SSLMBs, particularly in
# anode-less configurations, are severely hindered by ...", "Anode-free cells suffer from ..."
# (held-out batch 16)
_PROBLEM = re.compile(
    r"\b(?:(?:is|are|remain|remains)\s+(?:\w+\s+)?(?:hindered|plagued|limited|hampered|impeded|restricted)|"
    r"suffers?\s+from|face\s+(?:\w+\s+)?challenges)\b",
    re.I,
)
_CITED_WORK = re.compile(r"\b([A-Z][\w'’-]+)\s+et\s+al\b")


def cited_works(s: str) -> set[str]:
    """The works ``s`` attributes its statements to ("Xu et al." -> {"Xu"}): in a review each
    work reports its own tests, so a cell is not carried from one work's sentence to another's."""
    return set(_CITED_WORK.findall(s))


def tested_cell(s: str) -> str | None:
    """The one cell kind sentence ``s`` says a test was run in ("long-term cycling of Li||Cu half
    cells", "The anode-free cells with LHCEs maintain ..."), "" when it names tests in cells of
    several kinds, None when it names no tested cell (none, only a cell it suits, a plan).

    A CE whose sentence names no cell takes it from a sentence shortly before in its paragraph
    (issue #13, held-out batch 14; batch 6's measurement sentence is the same idea).
    """
    if _PLAN.search(s) or _PROBLEM.search(s):
        return None
    tested = [
        c
        for c in own_cells(s)
        if not _NOT_TESTED_BEFORE.search(s, max(0, c.start - 40), c.start)
        or _DONE_TO_BEFORE.search(s, max(0, c.start - 60), c.start)
    ]
    if not tested:
        return None
    kinds = {c.kind for c in tested}
    # "the anode-free full cell": one anode-free cell
    if kinds == {"anode-free", "full"} and all(
        any(0 <= c.start - a.end <= 2 for a in tested if a.kind == "anode-free") for c in tested if c.kind == "full"
    ):
        return "anode-free"
    return kinds.pop() if len(kinds) == 1 else ""


def chemistry(s: str) -> str | None:
    """The chemistry ``s`` names last: "li" (Li metal), another ("sodium", "Li–S", ...) or None."""
    last, name = -1, None
    for match in _LI_METAL.finditer(s):
        last, name = match.start(), "li"
    for other, regex in _OTHER_CHEMISTRY:
        for match in regex.finditer(s):
            if match.start() > last:
                last, name = match.start(), other
    return name


def sentence_results(
    s: str, context: "str | None | Callable[[], str | None]" = None, carried: bool = False
) -> tuple[list[Result], list[Mention]]:
    """The CE results of one normalised sentence, and every mention considered.

    ``context`` is the chemistry the paragraph named last before this sentence (see
    ``chemistry``), or a function giving it; a sentence that names no chemistry of its
    own inherits it. ``carried``: the sentence before stated a CE result (``find_mentions``).
    """
    mentions = find_mentions(s, carried)
    kept = [m for m in mentions if not m.rejected]
    if not kept:
        return [], mentions
    # A target word counts within its own part of the sentence: a leading concessive clause
    # ("While ... falls short of the benchmark set by liquid electrolytes, we demonstrated
    # >95% CE") is one part, the rest of the sentence the other (held-out batch 8).
    # A leading phrase saying how the work was done ("By leveraging the model's CE prediction,
    # ...", "Guided by simulations, ...") is such a part too: its method words are no target of
    # the main clause (held-out batch 17); an assumption there still is ("By assuming ...").
    concessive = _CONCESSIVE.match(s) or _MEANS_OPENER.match(s)
    split = concessive.end() if concessive else 0
    for m in kept:
        lo, hi = (0, split) if m.start < split else (split, len(s))
        target = _TARGET.search(s, lo, hi)
        while target and m.end <= target.start() and _MET_TARGET_BEFORE.search(s, lo, target.start()):
            target = _TARGET.search(s, target.end(), hi)
        if not target and _IMPERATIVE.match(s):
            target = _IMPERATIVE.match(s)
        if target:
            m.rejected = f"target or hypothetical statement ('{target.group().strip()}')"
    kept = [m for m in kept if not m.rejected]
    if not kept:
        return [], mentions
    prior = next(
        (p for p in _PRIOR_WORK.finditer(s) if not _AGREES_WITH.search(s, max(0, p.start() - 40), p.start())), None
    )
    if prior and not _OWN_WORK.search(s):
        for m in kept:
            m.rejected = f"earlier work quoted ('{prior.group()}')"
        return [], mentions
    if not _LI_METAL.search(s):
        named = chemistry(s)
        if not named and callable(context):
            context = context()
        other = named or (context if context != "li" else None)
        if other:
            where = "in the sentence" if named else "earlier in the paragraph"
            for m in kept:
                m.rejected = f"CE of another chemistry ({other}, named {where})"
            return [], mentions
    conditions = find_conditions(s)
    cells = own_cells(s)
    # "The lithium–sulfur cell with the Li metal anode shows a CE of 97%": the CE of a Li–S or
    # Li–O2 cell, although Li metal is named, unless a Li plating test is named too.
    conversion = [name for name, regex in _OTHER_CHEMISTRY if name in _CONVERSION and regex.search(s)]
    if conversion and not any(c.kind in ("li-cu", "li-li", "anode-free") for c in cells):
        for m in kept:
            m.rejected = f"CE of another chemistry ({conversion[0]}, named in the sentence)"
        return [], mentions
    if (
        _PER_GRAM.search(s)
        and _RETENTION.search(s)
        and not _LI_METAL.search(s)
        and not any(c.kind in ("full", "anode-free", "li-cu") for c in cells)
    ):
        for m in kept:
            m.rejected = "capacity per gram and retention: a cathode or Li-ion cell, not Li metal"
        return [], mentions
    # "higher average CE (99.8% versus 98.7%)", "the average CE of A (99.44%) ... than that of B
    # (99.29%)": a bare comparator of an average is an average too, and so are the comparators
    # listed with it ("outperforming B (99.46%) and C (99.19%)") (held-out batch 14)
    compared = False
    for before, m in zip(kept, kept[1:]):
        listed = compared and len(s[before.end : m.start]) < 40 and not _CLAUSE_BREAK.search(s, before.end, m.start)
        compared = (
            "average" in before.qualifiers
            and "average" not in m.qualifiers
            and (listed or bool(_COMPARATOR.search(s, before.end, m.anchor)))
            and not _KEY.search(s, before.end, m.start)
        )
        if compared:
            m.qualifiers.insert(0, "average")
    method = find_method(s)
    # "The zinc anode ... 99.5% over 1000 cycles at 1 mA cm-2, whereas Li||Cu cells show
    # 98.2%": the clause of a CE of another electrode keeps its conditions.
    other = [m.end for m in mentions if m.rejected and m.rejected.startswith("CE of another")]
    floor = max((end for end in other if end <= kept[0].anchor), default=0)
    hidden: list[tuple[int, int]] = []  # clauses of another test: their cells are not the CE's
    regions = _regions(s, kept, cells, hidden, floor)
    first_comma = s.find(",")
    opening = [c for c in conditions if 0 <= first_comma < kept[0].anchor and c.end <= first_comma]
    # "99.1% and 98.9% at 1 and 2 mA cm-2": n coordinated values and a list of n conditions
    # after them pair in order, as with "respectively".
    respectively = "respectively" in s or _paired_in_order(s, conditions, kept)
    owned = [
        [
            c
            for c in conditions
            if lo <= c.start < hi
            and not _earlier_conjunct(s, c, lo, m)
            and not _other_figure_parentheses(s, c, m)
            and not _symmetric_conjunct(s, c, cells, m)
        ]
        for m, (lo, hi) in zip(kept, regions)
    ]
    paired = _respectively_groups(conditions, kept) if respectively else {}
    kinds = [_cell(s, cells, m, lo, hi, hidden) for m, (lo, hi) in zip(kept, regions)]
    results = []
    for index, (mention, (lo, hi)) in enumerate(zip(kept, regions)):
        reasons = list(mention.reasons)
        # A comparator that states conditions of its own ("relative to cGPE (90.08%) after
        # 100 cycles") is described by them alone; a bare one ("versus 98.6% for the
        # carbonate electrolyte") shares the sentence's conditions (issue #13, class 5).
        described = (
            index > 0 and bool(owned[index]) and bool(_COMPARATOR.search(s, kept[index - 1].end, mention.anchor))
        )
        confidence = {"keyword": 0.9, "after-number": 0.9, "fraction": 0.8, "continuation": 0.75}[mention.link]
        if mention.reasons and "a clause before" in mention.reasons[0]:
            confidence -= 0.1
        values: dict[str, float | None] = {}
        for kind in ("current", "capacity", "cycles"):
            if kind in paired:
                values[kind] = paired[kind][index]
                reasons.append(f"{kind} paired by 'respectively'")
                confidence -= 0.05
                continue
            own = [c for c in owned[index] if c.kind == kind]
            value, note, penalty = _pick(kind, own, mention, index, len(kept), respectively)
            if value is None and not own and len(kept) > 1 and not described:
                value, note, penalty = _inherit(s, kind, kept, index, owned, opening, conditions, respectively, kinds)
            if note:
                reasons.append(note)
            confidence -= penalty
            values[kind] = value
        # One CE for a list of conditions ("at 10 and 20 mAh cm-2"): one result per value.
        shared = {} if respectively else _shared_lists(owned[index], values)
        if respectively and len(kept) == 1:
            # "a steep decrease in the CE to <20% (at the 50th and 130th cycles, respectively)": one
            # value stated for the tests listed, at the cycle of each (held-out batch 20)
            cycle_lists = [c.values for c in owned[index] if c.kind == "cycles" and len(c.values) > 1]
            if len(cycle_lists) == 1:
                shared = {"cycles": cycle_lists[0]}
        cell = kinds[index]
        if cell == "full":
            confidence -= 0.15
            reasons.append("full-cell CE also reflects the cathode")
        stated = [values["current"], values["capacity"], values["cycles"], *shared]
        if all(v is None for v in stated):
            # "improved from 84.6% of the conventional electrolyte to 95.2%": a word describing the
            # baseline of an improvement says what was improved on, not that the field is summarised
            generic = next(
                (
                    g
                    for g in _GENERIC.finditer(s)
                    if not _in_baseline(g.start(), mentions) and not _COMPARED_WITH.search(s, mention.end, g.start())
                ),
                None,
            )
            if generic and not any(not _WEAK_GENERIC.match(g.group()) for g in _GENERIC.finditer(s)):
                if (
                    _OWN_WORK.search(s)
                    or _RESULT_OPENER.match(s)
                    or _NAMED_MATERIAL.search(s[: mention.start])
                    or cells
                ):
                    generic = None  # the text's own work, a named material or test cell
            if generic:
                mention.rejected = f"generic statement without conditions ('{generic.group()}')"
                continue
            confidence = min(confidence, 0.5)
            reasons.append("no conditions stated")
        elif not shared and (values["current"] is None or values["capacity"] is None):
            confidence -= 0.15
            reasons.append("incomplete conditions")
        if len(kept) > 1:
            confidence -= 0.05
            reasons.append(f"one of {len(kept)} results in the sentence")
        if mention.rejected:
            continue
        variants = [values]
        if shared:
            count = len(next(iter(shared.values())))
            variants = [{**values, **{k: v[i] for k, v in shared.items()}} for i in range(count)]
            # "2 mA cm-2 and 2 mAh cm-2" read as a list of equal values gives one result
            variants = [v for i, v in enumerate(variants) if v not in variants[:i]]
            reasons.append(f"one CE stated for {count} conditions: one result each")
            confidence -= 0.05
            if (
                values["current"] is None
                and "current" not in shared
                or (values["capacity"] is None and "capacity" not in shared)
            ):
                confidence -= 0.15
                reasons.append("incomplete conditions")
        for v in variants:
            results.append(
                Result(
                    ce_percent=round(mention.value, 4),
                    ce_high_percent=mention.high,
                    qualifier=_qualifier(mention.qualifiers),
                    current_density_mA_cm2=v["current"],
                    areal_capacity_mAh_cm2=v["capacity"],
                    cycles=None if v["cycles"] is None else int(v["cycles"]),
                    cell=cell,
                    method_hint=method,
                    confidence=round(max(0.05, min(0.99, confidence)), 2),
                    reason="; ".join(reasons),
                    value_start=mention.start,
                    value_end=mention.end,
                )
            )
    return results, mentions


# "a capacity retention of 78.9% after 1500 cycles and a CE of about 99.9%", "cycling
# reversibility over 400 cycles and a highly stable CE of 99%": a condition right after
# another figure's noun, in the conjunct before the CE's own noun phrase, is that figure's.
_CE_CONJUNCT = re.compile(r"\band\s+(?:(?:a|an|the)\s+)?(?:[\w/-]+\s+){0,3}$", re.I)
_FIGURE_NOUN = re.compile(
    r"\b(?:retention|reversibility|stability|life(?:span|time)?|overpotentials?|polari[sz]ation)\b"
    r"(?:(?!" + _VERB + r")[^,;()]){0,40}$",
    re.I,
)


def _other_figure_parentheses(s: str, c: Condition, mention: Mention) -> bool:
    """Whether ``c`` stands in the parentheses of another percentage than the CE's: "capacity
    retention (>86.1% after 400 cycles)" keeps its cycles (held-out batch 13)."""
    opening = s.rfind("(", 0, c.start)
    if opening == -1 or s.rfind(")", 0, c.start) > opening:
        return False
    closing = s.find(")", c.end)
    if closing == -1 or opening <= mention.start < closing:
        return False
    if c.kind == "cycles" and _WITH_CE.fullmatch(s, closing, mention.anchor):
        # "cycle retention (97% at 50 cycles) with a high coulombic efficiency (99%)": "with" joins
        # the CE to that cycling (labelling rule; held-out batch 20)
        return False
    return "%" in s[opening : c.start]


_WITH_CE = re.compile(r"\)\s*,?\s*with\s+(?:[\w-]+\s+){0,4}")


def _earlier_conjunct(s: str, c: Condition, lo: int, mention: Mention) -> bool:
    """Whether condition ``c`` stands in a conjunct before the CE's (see ``_CE_CONJUNCT``)."""
    if c.start >= mention.anchor:
        return False
    joint = _CE_CONJUNCT.search(s, max(lo, mention.anchor - 60), mention.anchor)
    return bool(joint and c.end <= joint.start() and _FIGURE_NOUN.search(s, max(lo, c.start - 50), c.start))


def _in_baseline(at: int, mentions: list[Mention]) -> bool:
    """Whether ``at`` lies between a baseline value ("from X%") and the value after it."""
    for a, b in zip(mentions, mentions[1:]):
        if a.rejected and a.rejected.startswith("baseline") and a.end <= at < b.start:
            return True
    return False


_COORDINATED = re.compile(r"\s*%?\s*(?:,\s*(?:and\s+)?|,?\s*and\s+)(?:about\s+|[~≈∼]\s*)?")


def _paired_in_order(s: str, conditions: list[Condition], mentions: list[Mention]) -> bool:
    """True when n coordinated values are followed by a list of exactly n conditions."""
    if len(mentions) < 2:
        return False
    if not all(_COORDINATED.fullmatch(s, a.end, b.start) for a, b in zip(mentions, mentions[1:])):
        return False
    return any(len(c.values) == len(mentions) and not c.is_range and c.start >= mentions[-1].end for c in conditions)


def _respectively_groups(conditions: list[Condition], mentions: list[Mention]) -> dict:
    """With "respectively", n values take n single conditions of a kind in order.

    "99.7% and 99.5% under 1.0 mA cm-2, 3.0 mAh cm-2 and 3.0 mA cm-2, 3.0 mAh cm-2,
    respectively": the conditions after the last value form n groups. A list
    ("at 0.5 and 1 mA cm-2, respectively") is paired by ``_pick``.
    """
    count = len(mentions)
    if count < 2:
        return {}
    paired = {}
    for kind in ("current", "capacity", "cycles"):
        singles = [
            c.values[0] for c in conditions if c.kind == kind and c.start >= mentions[-1].end and len(c.values) == 1
        ]
        if len(singles) == count:
            paired[kind] = singles
    return paired


def _shared_lists(own: list[Condition], values: dict) -> dict[str, tuple[float, ...]]:
    """Lists of conditions one CE is stated for; several kinds only when of one length."""
    lists = {
        c.kind: c.values
        for c in own
        if len(c.values) > 1 and not c.is_range and values.get(c.kind) is None and c.kind != "cycles"
    }
    if len({len(v) for v in lists.values()}) > 1:
        first = next(iter(lists))
        lists = {first: lists[first]}
    return lists


def _regions(
    s: str, mentions: list[Mention], cells, hidden: list[tuple[int, int]], floor: int = 0
) -> list[tuple[int, int]]:
    """The clause of each mention: cut between neighbours at the last separator.

    The first clause also starts after a separator when the part before it is
    about another cell ("Li||Li cells cycle ... at 1 mA cm-2, and Li||Cu cells show
    a CE of 99.2%": the current belongs to the Li||Li test). A clause also ends where
    a comparison begins ("than", "outperforming", "compared with": the conditions
    after it are the other system's) and before a following clause about capacity
    retention (", and the full cell maintains 80% after 170 cycles").
    """
    cuts = []
    lows = [0]
    for left, right in zip(mentions, mentions[1:]):
        between = s[left.end : right.anchor]
        separators = list(_SEPARATOR.finditer(between))
        cut = left.end + separators[-1].start() if separators else right.anchor
        # "99.2% at ... 1 mAh cm-2, enabling a Li||LFP full cell with a CE of 99.8%": a cell
        # of another kind named between two values starts the second one's clause, so
        # neither takes the other's cell or conditions (full cell vs Li||Cu, curators' report).
        own = {c.kind for c in cells if lows[-1] <= c.start < left.end}
        other = [c for c in cells if left.end <= c.start < cut and own and c.kind not in own]
        if other:
            comma = s.rfind(",", left.end, other[0].start)
            cut = comma if comma != -1 else _phrase_start(s, left.end, other[0].start)
        cuts.append(cut)
        lows.append(cut)
    first, last = 0, len(s)
    if floor:
        separators = list(_SEPARATOR.finditer(s, floor, mentions[0].anchor))
        first = separators[-1].start() if separators else floor
    for sep in _CLAUSE_BREAK.finditer(s, first, mentions[0].anchor):
        before = {c.kind for c in cells if c.end <= sep.start()}
        after = {c.kind for c in cells if sep.end() <= c.start < mentions[0].anchor}
        if before and after and not before & after:
            first = sep.start()
    # "Li||Li cells ... at 40 mA cm-2 for 5000 h, Li|Cu cells maintain 250 cycles with a CE of
    # 97.9%": a comma whose next words are another kind of cell, the subject of the CE's clause,
    # also starts it (held-out batch 16)
    for comma in re.finditer(r",\s*", s[first : mentions[0].anchor]):
        at = first + comma.start()
        subject = next((c for c in cells if c.start == first + comma.end()), None)
        before = {c.kind for c in cells if c.end <= at}
        if subject and before and subject.kind not in before:
            first = at
    for sep in _CLAUSE_BREAK.finditer(s, mentions[-1].end):
        before = {c.kind for c in cells if mentions[-1].anchor - 80 <= c.start < sep.start()}
        after = {c.kind for c in cells if c.start >= sep.end()}
        if before and after and not before & after:
            last = sep.start()  # "..., while the Li||NCM811 full cell retains 80% after 200 cycles"
            break
    # "the Li||Cu cell delivers a CE of 98.5%, 5 V-class Li||LNMO cells maintain cycling over 1000
    # cycles, ...": a comma whose next words are the subject cell of another kind ends the CE's
    # clause, as the comma before it above (held-out batch 17)
    for comma in _LIST_COMMA.finditer(s, mentions[-1].end, last):
        subject = next((c for c in cells if c.start == comma.end()), None)
        before = {c.kind for c in cells if mentions[-1].anchor - 80 <= c.start < comma.start()}
        if subject and before and subject.kind not in before:
            last = comma.start()
            break
    regions = []
    for m, lo, hi in zip(mentions, [first, *cuts], [*cuts, last]):
        end, other = _clause_end(s, m, lo, hi, cells)
        regions.append((lo, end))
        if other:
            hidden.append((end, hi))
    return regions


# a comma and up to three words before a cell name: "..., 5 V-class Li||LNMO cells ...", "..., the
# 4.5 V pouch cell ..."
_LIST_COMMA = re.compile(r",\s*(?:(?:the|a|an|and|\d[\d.]*\s*(?:V|Ah)(?:[- ]class)?|[\w.-]+[- ]class)\s+){0,3}")
_PHRASE_JOINT = re.compile(r"\b(?:and|in|with|for|of)\b")


def _phrase_start(s: str, lo: int, at: int) -> int:
    """Where the phrase naming the cell at ``at`` begins: after the last condition's unit or
    at the last "and"/"in"/"with" before it."""
    joint = None
    for joint in _PHRASE_JOINT.finditer(s, lo, at):
        pass
    return joint.start() if joint else at


def _other_conjunct(s: str, mention: Mention, hi: int, cells) -> int | None:
    """Where a conjunct about another test starts after ``mention`` (before ``hi``), if one does."""
    # "... over 400 cycles and stable cycling of 4,000 h in Li symmetric cells", "..., and long
    # cycle life of 2800 h at 0.2 mA cm-2": a conjunct about another test (a lifetime in hours,
    # a symmetric cell, an overpotential) with its own conditions or cell keeps them. It ends
    # at its verb: "High CE (99.6%) and long lifespan (>1000 h) are achieved at 1 mA cm-2"
    # shares the conditions of the predicate.
    # Also a list item after a comma: "99.8% CE, 450 stable cycles in Li||NCM811 cells, and ...",
    # and the cycling of a full cell or a cathode: "98.8% CE for the Li anode and 4.6-V cycling of
    # Li||NCM811 full cells over 100 cycles at 2.2 mA cm-2" (held-out batch 16).
    for joint in re.finditer(
        r"\band\b(?!\s*[~≈∼]?\s*[\d.]+\s*(?:%|and\b|,))|,(?!\s*[~≈∼]?\s*[\d.]+\s*%)", s[mention.end : hi]
    ):
        start = mention.end + joint.start()
        if _in_cell_list(s, cells, start):
            continue
        verb = _CONJUNCT_END.search(s, start + len(joint.group()), hi)
        conjunct = s[start : verb.start() if verb else hi]
        if _KEY.search(conjunct):
            continue
        if not _OTHER_TEST.search(conjunct) and not (
            _CYCLING.search(conjunct)
            and (
                _CATHODE_WORD.search(conjunct)
                or any(c.kind == "full" and start <= c.start < start + len(conjunct) for c in cells)
            )
        ):
            continue
        if any(start <= c.start < start + len(conjunct) for c in cells) or find_conditions(conjunct):
            return start
    # "a CE of 98.5% in Li||Cu cells and markedly improves battery performance, delivering 84.9%
    # capacity retention after 450 cycles", "..., retaining 91% of its capacity after 800 cycles":
    # a retention stated by a clause of its own (a verb of its own) keeps the conditions written
    # after it (held-out batch 17); "a CE of 99.9% and capacity retention of 90% after 200 cycles"
    # shares them (no verb: one phrase, b8-01).
    retention = _RETENTION_CLAUSE.search(s, mention.end, hi)
    if retention and not _KEY.search(s, mention.end, retention.start()):
        return retention.start()
    return None


_RETENTION_CLAUSE = re.compile(
    r"(?:,\s*|\band\s+(?:\w+ly\s+)?)(?:(?:deliver|achiev|retain|maintain|show|exhibit|display|keep|offer"
    r"|provid|giv|yield)\w*)\b[^,;%]{0,40}?\d[\d.]*\s*%\s*(?:of\s+(?:(?:its|the|their)\s+)?"
    r"(?:initial\s+|original\s+)?capacity|(?:capacity\s+)?retention)",
    re.I,
)


def _clause_end(s: str, mention: Mention, lo: int, hi: int, cells) -> tuple[int, bool]:
    """Where the clause of ``mention`` ends, and whether what follows is another test's."""
    comparator = _COMPARATOR.search(s, mention.end, hi)
    if comparator:
        hi = comparator.start()
    # "... 98.5% in Li||Cu cells and Li|Li symmetric cells ...", "... and a discharge capacity
    # after 200 cycles in a Li||NCM811 cell": "and" starting a clause about another cell.
    # ("... at 0.5 mA cm-2 and 1 mAh cm-2, enabling a Li||LFP cell": an "and" joining two
    # conditions starts no clause.)
    for joint in re.finditer(r"\band\b(?!\s*[~≈∼]?\s*\d)", s[mention.end : hi]):
        at = mention.end + joint.start()
        if _in_cell_list(s, cells, at):
            continue  # "Li||Li cells and Li||Cu cells": a list of cells, no clause
        stop = _CLAUSE_BREAK.search(s, at + 3, hi)
        after = {c.kind for c in cells if at <= c.start < (stop.start() if stop else hi)}
        before = {c.kind for c in cells if lo <= c.start < at}
        if after and before and not after & before:
            hi = at
            break
    # "..., and the full cell retains 80% ...", "... and enables NCM811||Li cells to
    # demonstrate 81% capacity retention after 140 cycles": a coordinated clause of its own
    # (after a comma, or "and" with a verb of its own) about retention or another test ends
    # the CE's clause. (A plainly coordinated capacity retention shares the conditions: "a CE
    # of 99.9% and capacity retention of 99% after 200 cycles at 1C" is one full-cell test.)
    conjunct = _other_conjunct(s, mention, hi, cells)
    if conjunct is not None:
        hi = conjunct  # the earliest end wins; past it lies the other test
    joints = r",\s*(?:and|while|whereas|but|which)\b|;|\)\s*,|\band\s+(?:also\s+)?" + _VERB
    breaks = list(re.finditer(joints, s[mention.end : hi]))
    for i, brk in enumerate(breaks):
        start = mention.end + brk.start()  # from the joint: "and maintains 85% ..."
        stop = mention.end + breaks[i + 1].start() if i + 1 < len(breaks) else hi
        clause = s[start:stop]
        if re.match(r"\)?\s*,\s*and\b", clause) and not _FINITE.search(clause):
            # "a CE of 99.2%, a wide window (>4.7 V), and capacity retention (...) in Li||NCM811
            # full cells": the last item of a list of figures, no clause of its own (batch 13)
            continue
        if (_RETENTION.search(clause) or _OTHER_TEST.search(clause)) and not _KEY.search(clause):
            return start, True
    # "... >99% CE for over 200 cycles was demonstrated in addition to stable cycling of
    # Li/NMC622 full batteries": what an additive preposition brings in is another test, with
    # its own cell and conditions (held-out batch 13).
    additive = _ADDITIVE.search(s, mention.end, hi)
    if additive and (any(additive.end() <= c.start < hi for c in cells) or find_conditions(s[additive.end() : hi])):
        return additive.start(), True
    return hi, conjunct is not None


# A verb of its own: what makes ", and ..." a clause rather than the last item of a list.
_FINITE = re.compile(r"\b(?:is|are|was|were|has|have|had|can|could|will|may|might)\b|\b" + _VERB, re.I)
_ADDITIVE = re.compile(r"\b(?:in addition to|besides|apart from|along with)\b", re.I)


def _in_cell_list(s: str, cells, at: int) -> bool:
    """Whether the "and" at ``at`` joins two cells ("Li||Li cells and Li||Cu cells")."""
    left = [c for c in cells if c.end <= at]
    right = [c for c in cells if c.start > at]
    return bool(left and right and _CELL_LIST.fullmatch(s, left[-1].end, right[0].start))


# Where a coordinated noun phrase ends: a comma, a new clause or its verb.
_CONJUNCT_END = re.compile(
    r"[,;](?!\d)|\b(?:is|are|was|were|has|have|had|can|could|will|may|might|be|and)\b|\b" + _VERB, re.I
)


# A figure of another test than the CE's: a lifetime in hours, a symmetric cell, an overpotential
_OTHER_TEST = re.compile(
    r"\d\s*(?:h|hours?)\b|\b(?:symmetric(?:al)?|overpotentials?"
    r"|polari[sz]ation|(?:capacity\s+)?(?:decay|fading))\b|\bLi\s*(?:\|\|?|/)\s*Li\b",
    re.I,
)


# The cycling of a cell or a cathode named in a conjunct of its own
_CYCLING = re.compile(r"\bcycl(?:ing|es?)\s+(?:of|in|with)\b", re.I)
_CATHODE_WORD = re.compile(r"\bcathodes?\b", re.I)


_SYSTEM_NAMED = re.compile(r"\b(?:of|for)\s+(?!the\b|a\b|an\b)\S+\s")


def _inherit(s, kind, mentions, index, owned, opening, conditions, respectively, kinds=None):
    """A condition a mention takes from the others: (value, reason, penalty).

    * "respectively": a single value of the sentence is shared by all;
    * an opening phrase before the first comma ("At 1 mA cm-2, ...") is shared by all;
    * coordinated results with no value of this kind between them ("99.1% in ether
      and 97.5% in carbonate at 1 mA cm-2", "from 96.1% to 99.2% at ...") share the
      one value their clauses give, unless their cells differ (a full cell never takes a
      Li||Cu cell's conditions, nor the reverse).
    """
    count = len(mentions)
    if respectively:
        pool = [c for c in conditions if c.kind == kind]
        value, note, penalty = _pick(kind, pool, mentions[index], index, count, respectively)
        if value is not None:
            return (
                value,
                note or f"{kind} shared by the {count} results ('respectively')",
                penalty + 0.05,
            )
    pool = [c for c in opening if c.kind == kind]
    if pool:
        value, note, penalty = _pick(kind, pool, mentions[index], index, count, False)
        if value is not None:
            return (
                value,
                note or f"{kind} of the opening phrase, shared by {count} results",
                penalty + 0.05,
            )
    group = {index}
    starts = sorted(c.start for c in conditions if c.kind == kind)
    for step in (-1, 1):
        i = index
        while 0 <= i + step < count and abs(i + step - index) <= MAX_COORDINATED:
            a, b = sorted((i, i + step))
            lo, hi = mentions[a].end, mentions[b].anchor
            between = bisect.bisect_left(starts, lo)  # a condition of this kind between them?
            if (
                # "98.1%, 98.6%, and 99.0% ... at 0.5 mA cm-2": a serial comma joins a list
                (_CLAUSE_BREAK.search(s, lo, hi) and not _COORDINATED.fullmatch(s, lo, hi))
                # a full cell and a Li||Cu cell never share conditions (curators' report)
                or (kinds and kinds[i] and kinds[i + step] and kinds[i] != kinds[i + step])
                or (between < len(starts) and starts[between] < hi)
                or (
                    _COMPARATOR.search(s, lo, hi)  # a comparator keeps the conditions in its own
                    and (
                        _own_parentheses(s, mentions[i + step], owned[i + step], kind)  # "(95%, 100 cycles)"
                        # "the average CE of A in cycles 5-50 (99.44%) ... than that of B (99.29%)":
                        # written after A's name, before its value, the window is A's own
                        or any(
                            c.kind == kind
                            and mentions[a].anchor <= c.start < mentions[a].start
                            and _SYSTEM_NAMED.search(s, mentions[a].anchor, c.start)
                            for c in owned[a]
                        )
                    )
                )
            ):
                break
            i += step
            group.add(i)
    pool = [c for i in sorted(group) for c in owned[i] if c.kind == kind]
    if len(group) > 1 and len(pool) == 1 and len(pool[0].values) == 1:
        return pool[0].values[0], f"{kind} shared by coordinated results", 0.1
    return None, None, 0.0


def _own_parentheses(s: str, mention: Mention, own: list[Condition], kind: str) -> bool:
    """Whether the conditions of ``kind`` in ``own`` stand in the parentheses of the value."""
    conditions = [c for c in own if c.kind == kind]
    opening = s.rfind("(", 0, mention.start)
    if not conditions or opening <= s.rfind(")", 0, mention.start):
        return False
    closing = s.find(")", mention.end)
    return closing != -1 and all(opening < c.start < closing for c in conditions)


def _pick(
    kind: str, found: list[Condition], mention: Mention, index: int, count: int, respectively: bool
) -> tuple[float | None, str | None, float]:
    """One value of ``kind`` for a mention; (value, reason, confidence penalty)."""
    if not found:
        return None, None, 0.0
    if respectively:
        lists = [c for c in found if len(c.values) == count and not c.is_range]
        if lists and count > 1:
            return lists[0].values[index], f"{kind} paired by 'respectively'", 0.05
    singles = [c for c in found if len(c.values) == 1]
    if not singles:
        c = found[0]
        what = "a range" if c.is_range else f"{len(c.values)} values"
        return None, f"{kind} given as {what}; not assigned", 0.15
    after = [c for c in singles if c.start >= mention.end]
    chosen = after[0] if after else singles[-1]
    note, penalty = None, 0.0
    if len({c.values[0] for c in singles}) > 1:
        note, penalty = f"several {kind} values in the clause; took the nearest", 0.15
    if chosen.lost_exponent:
        note, penalty = f"{kind} unit without its exponent (lost superscript)", penalty + 0.05
    if chosen.lower_bound:
        note = "cycle count is a lower bound ('more than')"
    return chosen.values[0], note, penalty


# A figure of a symmetric-cell test: its lifetime in hours, its overpotential or polarisation
_SYMMETRIC_FIGURE = re.compile(r"\d\s*(?:h|hours?)\b|\b(?:overpotentials?|polari[sz]ation|hysteresis)\b", re.I)
_CONJUNCT_BREAK = re.compile(r",|\band\b")


def _other_conjunct_cell(s: str, cell, mention: Mention) -> bool:
    """``cell`` names the test of another conjunct than the CE's ("an overpotential of 9 mV for
    5000 h in symmetric cells and an average CE of 98.8%", "a CE of 99.3% in half-cells, stable
    cycling over 2500 h in Li||Li cells, and ..."): a break lies between them and the cell's
    own conjunct states a lifetime or an overpotential."""
    if cell.start >= mention.end:
        between = s[mention.end : cell.start]
        breaks = list(_CONJUNCT_BREAK.finditer(between))
        return bool(breaks) and bool(_SYMMETRIC_FIGURE.search(between, breaks[-1].end()))
    between = s[cell.end : mention.anchor]
    if not _CONJUNCT_BREAK.search(between):
        return False
    before = s[max(0, cell.start - 120) : cell.start]
    breaks = list(_CONJUNCT_BREAK.finditer(before))
    conjunct = before[breaks[-1].end() :] if breaks else before
    return bool(_SYMMETRIC_FIGURE.search(conjunct + between[: _CONJUNCT_BREAK.search(between).start()]))


def _symmetric_conjunct(s: str, c: Condition, cells, mention: Mention) -> bool:
    """``c`` is a condition of a Li||Li cell's test in another conjunct ("for more than 1000 h at 1
    mA cm-2 in a Li||Li symmetric cell and ... an average CE of 99.7% in a Li||LiCoO2 full cell")
    (held-out batch 19)."""
    return any(
        cell.kind == "li-li" and 0 <= cell.start - c.end <= 30 and _other_conjunct_cell(s, cell, mention)
        for cell in cells
    )


def _cell(s: str, cells, mention: Mention, lo: int, hi: int, hidden: list[tuple[int, int]]) -> str | None:
    own = [c for c in cells if lo <= c.start < hi and not (c.kind == "li-li" and _other_conjunct_cell(s, c, mention))]
    if not own:
        # a Li||Li (symmetric) cell of another clause is that clause's test (a lifetime, an
        # overpotential); a CE is measured in one only where its own clause says so
        shown = [c for c in cells if c.kind != "li-li" and not any(a <= c.start < b for a, b in hidden)]
        kinds = {c.kind for c in shown}
        # "anode-free full-cell tests ..., whereas the bare Cu counterpart ...": one anode-free cell
        # (held-out batch 17), as a paragraph's tested cell
        if kinds == {"anode-free", "full"} and all(
            any(0 <= c.start - a.end <= 2 for a in shown if a.kind == "anode-free") for c in shown if c.kind == "full"
        ):
            return "anode-free"
        return kinds.pop() if len(kinds) == 1 else None
    kinds = {c.kind for c in own}
    if "anode-free" in kinds:
        return "anode-free"
    if len(kinds) == 1:
        return own[0].kind
    nearest = min(own, key=lambda c: abs(c.start - mention.start))
    # "... cycling of Li||Li cells and Li||Cu cells": a value before a list of cells of
    # different kinds is stated for none of them in particular
    for other in own:
        a, b = sorted((nearest, other), key=lambda c: c.start)
        if other.kind != nearest.kind and a.start >= mention.end and _CELL_LIST.fullmatch(s, a.end, b.start):
            return None
    return nearest.kind


_CELL_LIST = re.compile(r"\s*(?:(?:symmetric(?:al)?\s+)?(?:cells?|batter(?:y|ies))\s*)?(?:,\s*(?:and|or)?|and|or|&)\s*")


def _qualifier(names: list[str]) -> str | None:
    """ "average" first, then the bound or "range": "average, up to"."""
    ordered = (["average"] if "average" in names else []) + [n for n in names if n != "average"]
    unique = list(dict.fromkeys(ordered))
    return ", ".join(unique) if unique else None
