"""The electrolyte and the host a sentence names, as text (issue #13, class 7).

A draft result is more useful with what was measured: "4 M lithium
bis(fluorosulfonyl)imide in 1,2-dimethoxyethane", "TEOF-based localized
high-concentration electrolyte", "3DM Cu/ZnO current collector". These finders
return the words of the text, never a guess; the caller takes the sentence's own
words first and the paragraph's last named ones otherwise. Parsing the text into
salts and solvents is ``cedb.chemistry``'s job, not this one.
"""

import re

# "1 M LiPF6 in EC/DEC", "3 mol/kg ether-based electrolyte", "4 M lithium bis(fluorosulfonyl)imide
# in 1,2-dimethoxyethane": a concentration, then words up to a stop.
_CONCENTRATION = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?\s*(?:M|m|mol\s*/\s*(?:kg|L)|mol\s+(?:kg|L)\s*\^?-\s*1)\s+"
    r"(?=Li|lithium|[A-Z]{2,})"
)
_STOP = re.compile(
    # "1 M LiFSI in DME and 98.1% in ...": the next value ends the electrolyte's words
    r"\s(?:and|or)\s+(?:about\s+|[~≈∼>]\s*)?\d+(?:\.\d+)?\s*%|(?<!\+)\s\d+(?:\.\d+)?\s*%"
    r"|,\s|;|\s\(|\.\s|\.$|\s(?:as|with|was|were|is|are|can|could|has|have|enabl\w*|exhibit\w*|"
    r"show\w*|deliver\w*|achiev\w*|yield\w*|demonstrat\w*|at|for|and\s+a|which|reach\w*|giv\w*"
    r"|provid\w*|lead\w*|result\w*|maintain\w*|retain\w*|obtain\w*|display\w*|present\w*"
    r"|afford\w*|realiz\w*|realis\w*|allow\w*|produc\w*|boost\w*|improv\w*|increas\w*"
    r"|ensur\w*|render\w*|exhibit\w*|attain\w*|sustain\w*|CEs?|Coulombic|it|its|they)\b"
    r"|(?<!\bin)(?<!\bof)(?<!\bto)\sthe\b"
)
# "... electrolyte": the words right before it, up to five, of which one names something specific.
# Not the middle of a cell's notation ("Li|electrolyte|Cu").
_NAMED = re.compile(r"(?<![|/])\belectrolytes?\b(?!\s*(?:interphase|interface|/|\|))")
_NOT_NAME = re.compile(
    r"^(?:the|a|an|this|these|that|its|their|our|in|of|with|and|or|by|using|to|on|for|into|from"
    r"|is|was|"
    r"are|were|as|at|than|such|new|novel|liquid|organic|same|typical|conventional|whole|bulk|most|"
    r"reported|outperform\w*|compared|versus|over|via|unlike|against|relative|beyond|through|both|"
    r"each|all|two|three|four|five|six)$|[%=<>]|\^|"
    r"^CEs?$|oulombic",
    re.I,
)
_SPECIFIC = re.compile(
    r"(?-i:[A-Z0-9])|ether|carbonate|ester|fluorinated|concentrat|locali[sz]ed|sulfon|phosphate"
    r"|ionic liquid"
    r"|glyme|polymer|gel|nitrate|solvat"
    # "sulfolane-based", "nitrile-based", "amide electrolyte": a named chemical family
    r"|\w-based\b|sulfol|sulfon|nitrile|amide|imide|borate|silox|silane|phosph|fluor|lactone",
    re.I,
)
_HOST = re.compile(r"\b(?:hosts?|current collectors?|skeletons?|scaffolds?|frameworks?|substrates?)\b")
_MATERIAL = re.compile(r"\d|/|@|[A-Z]")
_SERVES_AS_HOST = re.compile(r"\b(\S+)\s+(?:serves?|acts?|works?)\s+as\s+(?:the|a)\s+(?:\w+\s+)?host\b")
MAX_LENGTH = 200
_CITATION = re.compile(r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]")
_CONCESSIVE = re.compile(r"(?:While|Although|Though|Whereas|Unlike|Compared (?:to|with))\b[^;]*?,\s")
_CLAUSE_BREAK = re.compile(r",\s*(?:and|while|whereas|but)\b|;|\bwhile\b|\bwhereas\b")


def electrolyte_text(sentence: str, near: int | None = None, values: list[int] | None = None) -> str | None:
    """The electrolyte ``sentence`` names, in its own words, or None.

    With ``near`` (the position of a value in the sentence) and several electrolytes named,
    the value's own one (one draft strategy per electrolyte, curators' report): the one of
    its clause ("In 1 M LiPF6 ... 92.0%, while in 2 M LiFSI ... 98.9%"); else, with the
    positions of all the sentence's ``values``, the one between it and its neighbour on the
    side the sentence names them ("99.3% in the LHCE and 97.5% in the carbonate electrolyte":
    after each value; "with 1 M LiPF6 ... 92.0% and with 4 M LiFSI ... 99.2%": before it);
    with "respectively", the n-th of n electrolytes named before the values.
    """
    found = _electrolytes(sentence)
    lead = _CONCESSIVE.match(sentence)
    if lead and near is not None and near >= lead.end():
        # "While ... the benchmark set by liquid and gel electrolytes, we demonstrated >95% CE
        # with LiFSI-based SPEs": the leading clause's electrolytes are not the value's
        found = [f for f in found if f[0] >= lead.end()]
    if not found:
        return None
    if near is None or len({text for _, text in found}) == 1:
        m = _CONCENTRATION.search(sentence)  # a concentration names it best
        return (_concentration_words(sentence, m) if m else None) or found[0][1]
    values = sorted(values or [near])
    before_all = [f for f in found if f[0] < values[0]]
    if "respectively" in sentence and len(values) > 1 and len(before_all) == len(values) and near in values:
        return before_all[values.index(near)][1]
    same = [f for f in found if not _CLAUSE_BREAK.search(sentence, *sorted((f[0], near)))]
    pool = same or found
    if len(pool) == 1:
        return pool[0][1]
    i = values.index(near) if near in values else 0
    previous = values[i - 1] if i > 0 else -1
    following = values[i + 1] if i + 1 < len(values) else len(sentence)
    if before_all:  # named before the values: each value takes the last one before it
        own = [f for f in pool if previous < f[0] < near]
        earlier = [f for f in pool if f[0] < near]
        if own or earlier:
            return (own or earlier)[-1][1]
    own = [f for f in pool if near < f[0] < following]
    if own:
        return own[0][1]
    return min(pool, key=lambda f: abs(f[0] - near))[1]


# Electrolytes named by their acronym: "the LHCE", "an HCE", "WiSE".
_ACRONYM = re.compile(r"\b(?:L?HCEs?|LSEs?|WiSEs?|SHCEs?|ILEs?|GPEs?|SPEs?)\b")


def _electrolytes(sentence: str) -> list[tuple[int, str]]:
    """Every electrolyte the sentence names: (position, its words), in text order."""
    found: list[tuple[int, int, str]] = []
    for m in _CONCENTRATION.finditer(sentence):
        if any(a <= m.start() < b for a, b, _ in found):
            continue  # the second salt of "1 M LiTFSI and 0.5 M LiNO3 in DOL/DME"
        words = _concentration_words(sentence, m)
        if words:
            found.append((m.start(), m.start() + len(words), words))
    for m in _NAMED.finditer(sentence):
        phrase = _words_before(sentence, m.start(), 5)
        if phrase and _SPECIFIC.search(phrase):
            start = m.start() - len(phrase) - 1
            if not any(a <= m.start() < b + 12 for a, b, _ in found):
                found.append((start, m.end(), _clean(f"{phrase} {m.group()}") or ""))
    for m in _ACRONYM.finditer(sentence):
        if not any(a <= m.start() < b for a, b, _ in found):
            found.append((m.start(), m.end(), m.group()))
    return [(a, text) for a, _, text in sorted(found) if text]


def _concentration_words(sentence: str, m: re.Match) -> str | None:
    rest = sentence[m.end() : m.end() + 120]
    stop = _STOP.search(rest)
    words = sentence[m.start() : m.end() + (stop.start() if stop else len(rest))].strip()
    # "1 M LiPF6 in EC/DEC with 10 wt% FEC": an additive by its amount belongs to it.
    additive = re.match(
        r"\s*(?:with|\+)\s+\d+(?:\.\d+)?\s*(?:wt|vol|v|w)?\s*\.?\s*%\s*[\w\-]+",
        sentence[m.start() + len(words) :],
    )
    if additive:
        words += additive.group()
    # "1 M LiFSI in DME and 1 M LiPF6 in EC/DEC": a second concentration after a complete
    # electrolyte (salt in solvent) starts another one; "1 M LiTFSI and 0.5 M LiNO3 in DOL/DME"
    # is one electrolyte of two salts.
    second = re.search(r"\s(?:and|or|vs\.?|versus)\s+\d+(?:\.\d+)?\s*(?:M|m|mol)\b", words)
    if second and re.search(r"\sin\s", words[: second.start()]):
        words = words[: second.start()]
    while words.count("(") > words.count(")"):  # "bis(fluorosulfonyl)imide (LiFSI": cut there
        words = words[: words.rindex("(")].strip()
    tail = re.match(r"\s*electrolytes?\b", sentence[m.start() + len(words) :])
    if tail:
        words += tail.group()
    return _clean(words)


def _words_before(sentence: str, end: int, most: int) -> str:
    """The naming words right before ``end``: back to a stop word, punctuation or ``most`` words."""
    words: list[str] = []
    before = sentence[max(0, end - 150) : end]
    tokens = before.split()
    first_of_sentence = end - 150 <= 0 and tokens[:1]
    for i in range(len(tokens) - 1, max(-1, len(tokens) - 1 - most), -1):
        word = tokens[i]
        ionic_liquid = word.lower() == "liquid" and i > 0 and tokens[i - 1].lower() == "ionic"
        if (_NOT_NAME.search(word) and not ionic_liquid) or word[-1] in ",;:(" or word.endswith(".") or "<" in word:
            break
        if first_of_sentence and i == 0 and not re.search(r"\d|/|@|.[A-Z]", word):
            break  # "Depending": a capital that only starts the sentence
        words.insert(0, word)
    return " ".join(words)


def host_text(sentence: str) -> str | None:
    """The host or current collector ``sentence`` names, in its own words, or None."""
    m = _SERVES_AS_HOST.search(sentence)
    if m and re.search(r"[A-Z0-9]", m.group(1)):
        return _clean(m.group(1))
    for m in _HOST.finditer(sentence):
        phrase = _words_before(sentence, m.start(), 4)
        if phrase and _MATERIAL.search(phrase) and not re.search(r"\bLi\+|\bions?\b", phrase):
            return _clean(f"{phrase} {m.group()}")
    return None


def _clean(text: str) -> str | None:
    text = re.sub(r"\s+", " ", text)
    text = _CITATION.sub("", text)
    # "(1.2 M LiFSI) achieves": a bracket closed but not opened in the words ends them
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(char, 0)
        if depth < 0:
            text = text[:i]
            break
    text = text.strip(" ,;:")
    return text[:MAX_LENGTH] if text else None
