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
    r",\s|;|\s\(|\.\s|\.$|\s(?:as|with|was|were|is|are|can|could|has|have|enabl\w*|exhibit\w*|"
    r"show\w*|deliver\w*|achiev\w*|yield\w*|demonstrat\w*|at|for|and\s+a|which|reach\w*|giv\w*"
    r"|provid\w*|lead\w*|result\w*|maintain\w*|retain\w*|obtain\w*|display\w*|present\w*"
    r"|afford\w*|realiz\w*|realis\w*|allow\w*|produc\w*|boost\w*|improv\w*|increas\w*"
    r"|ensur\w*|render\w*|exhibit\w*|attain\w*|sustain\w*|CEs?|Coulombic|it|its|they)\b"
    r"|(?<!\bin)(?<!\bof)(?<!\bto)\sthe\b"
)
# "... electrolyte": the words right before it, up to five, of which one names something specific.
_NAMED = re.compile(r"\belectrolytes?\b(?!\s*(?:interphase|interface|/))")
_NOT_NAME = re.compile(
    r"^(?:the|a|an|this|these|that|its|their|our|in|of|with|and|or|by|using|to|on|for|into|from"
    r"|is|was|"
    r"are|were|as|at|than|such|new|novel|liquid|organic|same|typical|conventional|whole|bulk|most|"
    r"reported|outperform\w*|compared|versus|both|each|all|two|three|four|five|six)$|[%=<>]|\^|"
    r"^CEs?$|oulombic",
    re.I,
)
_SPECIFIC = re.compile(
    r"(?-i:[A-Z0-9])|ether|carbonate|ester|fluorinated|concentrat|locali[sz]ed|sulfon|phosphate"
    r"|ionic liquid"
    r"|glyme|polymer|gel|nitrate|solvat",
    re.I,
)
_HOST = re.compile(
    r"\b(?:hosts?|current collectors?|skeletons?|scaffolds?|frameworks?|substrates?)\b"
)
_MATERIAL = re.compile(r"\d|/|@|[A-Z]")
_SERVES_AS_HOST = re.compile(
    r"\b(\S+)\s+(?:serves?|acts?|works?)\s+as\s+(?:the|a)\s+(?:\w+\s+)?host\b"
)
MAX_LENGTH = 200
_CLAUSE_BREAK = re.compile(r",\s*(?:and|while|whereas|but)\b|;|\bwhile\b|\bwhereas\b")


def electrolyte_text(sentence: str, near: int | None = None) -> str | None:
    """The electrolyte ``sentence`` names, in its own words, or None.

    With ``near`` (a position in the sentence) and several concentrations named ("99.5%
    with 4.5 M LiFSI in DME, and 98.1% with 1 M LiFSI in DME"), the nearest one.
    """
    matches = list(_CONCENTRATION.finditer(sentence)) if near is not None else []
    if len(matches) > 1:
        # the same clause first ("In 1 M LiPF6 ... 92.0%, while in 2 M LiFSI ... 98.9%")
        def apart(m: re.Match) -> tuple[bool, int]:
            lo, hi = sorted((m.start(), near))
            return bool(_CLAUSE_BREAK.search(sentence, lo, hi)), abs(m.start() - near)

        m = min(matches, key=apart)
    else:
        m = _CONCENTRATION.search(sentence)
    if m:
        return _concentration_words(sentence, m)
    for m in _NAMED.finditer(sentence):
        phrase = _words_before(sentence, m.start(), 5)
        if phrase and _SPECIFIC.search(phrase):
            return _clean(f"{phrase} {m.group()}")
    return None


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
        if _NOT_NAME.search(word) or word[-1] in ",;:(" or word.endswith(".") or "<" in word:
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
    text = re.sub(r"\s+", " ", text).strip(" ,;:")
    return text[:MAX_LENGTH] if text else None
