"""Bibliographic records: BibTeX in and out (pybtex), DOIs, citation keys, Crossref.

Pure apart from ``fetch_crossref``, which makes one HTTP request.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field

from cedb.errors import InvalidValue, NetworkError, NotFound
from cedb.limits import MAX_HTTP_RESPONSE_BYTES
from cedb.store.models import ReferenceCreate

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*|https?://doi\.[a-z]+/)", re.I)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/[^\s\"<>{}]+")
_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "by", "at", "from"}


# --------------------------------------------------------------------------- DOIs and keys


def normalise_doi(text: str) -> str:
    """``https://doi.org/10.1039/D4EB00034J`` -> ``10.1039/d4eb00034j``; InvalidValue if not a DOI."""
    from urllib.parse import unquote

    doi = _DOI_PREFIX.sub("", unquote(text.strip())).strip().rstrip(".,;").lower()
    if not _DOI.match(doi):
        raise InvalidValue(f"{text!r} is not a DOI: expected something like 10.1039/d4eb00034j")
    return doi


def looks_like_doi(text: str) -> bool:
    try:
        normalise_doi(text)
    except InvalidValue:
        return False
    return True


def find_doi(fields: dict[str, str]) -> str | None:
    """The DOI of an entry from its ``doi`` field, else a DOI inside ``url`` or ``note``."""
    for name in ("doi", "url", "note", "howpublished"):
        value = fields.get(name)
        if not value:
            continue
        match = _DOI_IN_TEXT.search(value.replace("\\_", "_"))
        if match:
            doi = match.group(0).rstrip(".,;")
            # "(doi 10.1039/x)": a closing bracket the DOI did not open belongs to the text.
            while doi[-1] in ")]" and doi.count(doi[-1]) > doi.count({")": "(", "]": "["}[doi[-1]]):
                doi = doi[:-1].rstrip(".,;")
            try:
                return normalise_doi(doi)
            except InvalidValue:
                continue
    return None


# Characters that make LaTeX of a title (accents, math, braces, commands): only such titles go
# through the LaTeX decoder (latexcodec, ~0.4 ms each: a third of a large curation load).
_LATEX_CHARACTERS = re.compile(r"[\\{}$~^_%&#]")


def title_key(title: str | None) -> str | None:
    """Lower-case letters and digits only, accents stripped: how duplicates are recognised."""
    if not title:
        return None
    text = unicodedata.normalize("NFKD", latex_to_text(title) if _LATEX_CHARACTERS.search(title) else title)
    key = "".join(ch for ch in text.lower() if ch.isalnum() and ch.isascii())
    return key or None


def _ascii_word(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


def make_key(authors: str | None, year: int | None, title: str | None) -> str:
    """A readable citation key: first author's family name, year, first title word (sun2025advances)."""
    family = ""
    if authors:
        first = authors.split(" and ")[0]
        family = _ascii_word(first.split(",")[0] if "," in first else first.split()[-1])
    word = ""
    for token in re.findall(r"[^\W_]+", latex_to_text(title or "")):
        if token.lower() not in _STOP_WORDS:
            word = _ascii_word(token)
            break
    key = f"{family or 'anon'}{year or ''}{word}"
    return key[:80]


# --------------------------------------------------------------------------- LaTeX


_LATEX_COMMAND_WITH_ARG = re.compile(r"\\(?:textit|textbf|emph|textrm|mathrm|textsc|text|mbox)\s*\{([^{}]*)\}")
_MATH_SCRIPT = re.compile(r"\$\s*([_^])\s*\{?([^${}]*)\}?\s*\$")


def latex_to_text(text: str) -> str:
    """Readable Unicode from BibTeX LaTeX: accents decoded, braces dropped, LiNO$_3$ -> LiNO3."""
    import codecs

    import latexcodec  # noqa: F401  (registers the 'ulatex' codec; a pybtex dependency)

    # Literal braces as cedb exports them (see _BIB_SPECIAL), kept apart from grouping braces.
    text = re.sub(r"\\textbrace(left|right)\b(?:\{\})?", lambda m: "\ue000" if m.group(1) == "left" else "\ue001", text)
    text = _MATH_SCRIPT.sub(lambda m: m.group(2), text)
    text = _LATEX_COMMAND_WITH_ARG.sub(lambda m: m.group(1), text)
    # A bare % ("99.9% CE", and every Crossref title) is a percent sign here, not a LaTeX comment.
    text = re.sub(r"(?<!\\)%", r"\\%", text)
    try:
        text = codecs.decode(text, "ulatex")  # type: ignore[call-overload]  # a text codec (latexcodec)
    except Exception:  # latexcodec can fail on odd input; the raw text is still readable
        pass
    text = _LATEX_COMMAND_WITH_ARG.sub(lambda m: m.group(1), text)
    text = text.replace("{", "").replace("}", "").replace("\\&", "&").replace("\\%", "%")
    text = text.replace("\\,", " ")  # a thin space: 99.9\,\%
    text = text.replace("\ue000", "{").replace("\ue001", "}")
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------- BibTeX in


@dataclass
class BibEntry:
    """One entry of a BibTeX file: a reference ready to add, or why it was rejected."""

    key: str
    line: int
    reference: ReferenceCreate | None = None
    error: str | None = None
    warning: str | None = None  # kept, with something left out (a year that is not a year)


@dataclass
class BibFile:
    entries: list[BibEntry] = field(default_factory=list)


_ENTRY_START = re.compile(r"@\s*([A-Za-z]+)\s*[{(]")


def _split_entries(text: str) -> list[tuple[int, str, str]]:
    """(line, type, raw text) of every @entry, by brace matching, so one broken entry stays local."""
    chunks = []
    position = 0
    while True:
        match = _ENTRY_START.search(text, position)
        if not match:
            break
        entry_type = match.group(1).lower()
        start = match.start()
        opener = text[match.end() - 1]
        closer = "}" if opener == "{" else ")"
        depth, index = 0, match.end() - 1
        end = next_entry = None
        while index < len(text):
            char = text[index]
            if char == opener if opener == "(" else char == "{":
                depth += 1
            elif char == closer if opener == "(" else char == "}":
                depth -= 1
                if depth == 0:
                    end = index + 1
                    break
            elif char == "@" and text[index - 1] == "\n" and _ENTRY_START.match(text, index):
                next_entry = index
                break  # a new entry starts before this one closed: unbalanced braces
            index += 1
        line = text.count("\n", 0, start) + 1
        if end is None:
            # Unbalanced: take up to the next entry so the rest of the file still parses.
            following = _ENTRY_START.search(text, match.end())
            end = next_entry or (following.start() if following else len(text))
            chunks.append((line, entry_type, text[start:end] + "\x00unbalanced"))
        else:
            chunks.append((line, entry_type, text[start:end]))
        position = end
    return chunks


def parse_bibtex(text: str) -> BibFile:
    """Parse every entry of a BibTeX text; a broken entry is reported, the others kept.

    Bounded (cedb.limits): an entry longer than MAX_BIBTEX_ENTRY_CHARS is rejected before
    pybtex sees it, and an @string whose expansion would pass MAX_BIBTEX_MACRO_CHARS
    (strings doubling each other) is not defined, so the entries using it are rejected.
    """
    from pybtex.database import parse_string
    from pybtex.database.input.bibtex import Parser

    from cedb.limits import MAX_BIBTEX_ENTRY_CHARS, MAX_BIBTEX_MACRO_CHARS

    result = BibFile()
    macros = Parser().macros  # month names, then each @string as it comes
    has_strings = False
    for line, entry_type, raw in _split_entries(text):
        if entry_type == "string" and not raw.endswith("\x00unbalanced"):
            if len(raw) > MAX_BIBTEX_ENTRY_CHARS or _expansion_too_long(raw, macros, MAX_BIBTEX_MACRO_CHARS):
                continue  # shows up as "undefined string" in the entries that use it
            parser = Parser(macros=macros)
            try:
                parser.parse_string(raw)
                macros, has_strings = parser.macros, True
            except Exception:  # shows up as "undefined string" in the entries that use it
                pass
            continue
        if entry_type in ("comment", "preamble", "string"):
            continue
        key_match = re.match(r"@\s*\w+\s*[{(]\s*([^,\s]*)", raw)
        key = key_match.group(1) if key_match and key_match.group(1) else "?"
        if raw.endswith("\x00unbalanced"):
            result.entries.append(BibEntry(key[:100], line, error="unbalanced braces"))
            continue
        if len(raw) > MAX_BIBTEX_ENTRY_CHARS:
            result.entries.append(
                BibEntry(
                    key[:100],
                    line,
                    error=(
                        f"the entry is {len(raw):,} characters long, over the limit of "
                        f"{MAX_BIBTEX_ENTRY_CHARS:,}: shorten its fields (an abstract?)"
                    ),
                )
            )
            continue
        if "\x00" in raw:  # PostgreSQL cannot store it, and no BibTeX field means it
            result.entries.append(BibEntry(key[:100], line, error="the entry holds a NUL character"))
            continue
        try:
            data = parse_string(raw, "bibtex", macros=macros)
            ((parsed_key, entry),) = data.entries.items()
        except Exception as exc:  # pybtex raises several unrelated types for syntax errors
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            # pybtex counts lines from the start of the entry; report them as lines of the file.
            message = re.sub(r"\bin line (\d+)", lambda m: f"in line {line + int(m.group(1)) - 1}", message)
            result.entries.append(BibEntry(key, line, error=f"cannot parse: {message}"))
            continue
        if has_strings and not _parses_alone(raw):
            # It uses the file's @string macros: keep it with them expanded, so that export works.
            raw = _latex_writer().to_string(data)
        warnings: list[str] = []
        try:
            reference = _entry_to_reference(parsed_key, entry, raw, warnings=warnings)
        except InvalidValue as exc:
            result.entries.append(BibEntry(parsed_key, line, error=str(exc)))
            continue
        except ValueError as exc:  # pydantic validation: its first error as one plain sentence
            errors: list[dict] = getattr(exc, "errors", lambda: [])()
            if errors:
                name = ".".join(str(part) for part in errors[0].get("loc", ())) or "entry"
                message = f"{name}: {errors[0]['msg'].removeprefix('Value error, ')}"
            else:
                message = str(exc).splitlines()[0]
            result.entries.append(BibEntry(parsed_key, line, error=message))
            continue
        result.entries.append(
            BibEntry(parsed_key, line, reference=reference, warning=warnings[0] if warnings else None)
        )
    return result


def _expansion_too_long(raw: str, macros, limit: int) -> bool:
    """True if an @string's value, with the macros it names expanded, would pass ``limit``.

    An upper bound from the names in the definition, computed before pybtex expands
    anything: 39 @strings each doubling the last would otherwise need 2**39 characters.
    """
    total = len(raw)
    for name in re.findall(r"[A-Za-z_][\w:.+/'-]*", raw.split("=", 1)[-1]):
        total += len(macros.get(name.lower(), "")) if hasattr(macros, "get") else 0
        if total > limit:
            return True
    return False


def _parses_alone(raw: str) -> bool:
    from pybtex.database import parse_string

    try:
        parse_string(raw, "bibtex")
    except Exception:
        return False
    return True


def _person_to_text(person) -> str:
    family = " ".join(person.prelast_names + person.last_names)
    given = " ".join(person.first_names + person.middle_names)
    name = f"{family}, {given}" if given else family
    if person.lineage_names:
        name = f"{family}, {' '.join(person.lineage_names)}, {given}"
    return latex_to_text(name)


def _entry_to_reference(key: str, entry, raw: str, *, warnings: list[str] | None = None) -> ReferenceCreate:
    fields = {name.lower(): str(value) for name, value in entry.fields.items()}
    authors = " and ".join(_person_to_text(p) for p in entry.persons.get("author", [])) or None
    year = None
    if fields.get("year"):
        match = re.search(r"\d{4}", fields["year"])
        if match and 1800 <= int(match.group(0)) <= 2100:
            year = int(match.group(0))
        else:
            # Publishers' "just accepted" exports write year = {0}: the entry is kept (its
            # original BibTeX too), without a year, rather than lost (issue 10).
            message = f"year {fields['year']!r} is not a year: kept without a year"
            if warnings is None:
                raise InvalidValue(message)
            warnings.append(message)
    journal = fields.get("journal") or fields.get("booktitle") or fields.get("publisher")
    return ReferenceCreate(
        key=key,
        doi=find_doi(fields),
        title=latex_to_text(fields["title"]) if fields.get("title") else None,
        authors=authors,
        journal=latex_to_text(journal) if journal else None,
        year=year,
        volume=fields.get("volume"),
        pages=fields.get("pages", "").replace("--", "–") or None,
        entry_type=entry.type.lower(),
        bibtex=raw.strip(),
    )


# --------------------------------------------------------------------------- BibTeX out


# What the 'ulatex' codec leaves alone (it escapes & % # _ and ~ itself).
_BIB_SPECIAL = {
    # Braces as commands, not \{ \}: BibTeX counts every brace, escaped or not, so one
    # unmatched brace in a title would break the whole exported file.
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "$": r"\$",
    "^": r"\textasciicircum{}",
}


def to_bibtex(references, *, aliases: dict[str, list[str]] | None = None) -> str:
    """A .bib text for ``references`` (Reference rows), keyed by their cedb keys.

    A stored original entry is re-emitted with its fields; others are built from
    the stored metadata. The output round-trips through pybtex. ``aliases``: the other keys of
    a paper (old keys of merged papers), written as biblatex's ``ids`` field, so that a
    ``\\cite`` written with an old key still resolves.
    """
    import codecs

    import latexcodec  # noqa: F401  (registers the 'ulatex' codec)
    from pybtex.database import BibliographyData, Entry, Person, parse_string

    def latex(text: str) -> str:
        # Stored metadata is plain text: LaTeX specials are escaped first (a title holding
        # "\input{...}" must stay text), then non-ASCII letters become LaTeX accents. A run of
        # spaces is one space to BibTeX: written as one, an export reads back as it was written.
        escaped = "".join(_BIB_SPECIAL.get(char, char) for char in " ".join(text.split()))
        return codecs.encode(escaped, "ulatex+utf8")  # type: ignore[return-value]  # latexcodec gives str

    data = BibliographyData()
    for ref in references:
        entry = None
        if ref.bibtex:
            try:
                ((_, entry),) = parse_string(ref.bibtex, "bibtex").entries.items()
            except Exception:
                entry = None
        if entry is None:
            fields = {}
            if ref.title:
                fields["title"] = latex(ref.title)
            if ref.journal:
                fields["journal"] = latex(ref.journal)
            if ref.year:
                fields["year"] = str(ref.year)
            if ref.volume:
                fields["volume"] = latex(ref.volume)
            if ref.pages:
                fields["pages"] = ref.pages.replace("–", "--")
            if ref.note:
                # cedb's curation note: `annote` is not printed by bibliography styles, and a DOI
                # it mentions (the review's) must not be read back as this paper's DOI.
                fields["annote"] = latex(ref.note)
            authors = ref.authors.split(" and ") if ref.authors else []
            persons = {"author": [Person(latex(a)) for a in authors]} if authors else {}
            entry = Entry(ref.entry_type or "article", fields=fields, persons=persons)
        if ref.doi:
            entry.fields["doi"] = ref.doi
        if aliases and aliases.get(ref.key):
            entry.fields["ids"] = ", ".join(aliases[ref.key])
        data.entries[ref.key] = entry
    return _latex_writer().to_string(data)


def _latex_writer():
    """pybtex's BibTeX writer for fields that are LaTeX already.

    pybtex's own writer encodes every field as if it were plain text, so parsed
    fields would be escaped twice ({LiNO$_3$} -> {LiNO$\\_3$}, \\& -> \\\\&).
    """
    from pybtex.database.output.bibtex import Writer

    class LatexWriter(Writer):
        def _encode(self, text):
            return text

    return LatexWriter()


# --------------------------------------------------------------------------- Crossref


def fetch_crossref(doi: str, *, base_url: str, email: str | None, timeout_s: float) -> ReferenceCreate:
    """Metadata for ``doi`` from the Crossref REST API (``GET {base_url}/works/{doi}``)."""
    import http.client
    import socket
    import urllib.error
    import urllib.parse
    import urllib.request

    from cedb import __version__

    doi = normalise_doi(doi)
    url = f"{base_url}/works/{urllib.parse.quote(doi, safe='/')}"
    agent = f"cedb/{__version__} (https://pypi.org/project/cedb/"
    agent += f"; mailto:{email})" if email else ")"
    request = urllib.request.Request(url, headers={"User-Agent": agent, "Accept": "application/json"})
    try:
        body = _exchange(request, timeout_s=timeout_s)
    except TimeoutError:
        raise NetworkError(
            f"cannot reach Crossref at {base_url} (timed out): no complete answer for {doi} within "
            f"{timeout_s:g} s (CEDB_HTTP_TIMEOUT); try again later, or add the paper from a .bib file"
        ) from None
    except OverflowError:
        raise NetworkError(
            f"Crossref sent more than {MAX_HTTP_RESPONSE_BYTES:,} bytes for {doi}: not a Crossref answer"
        ) from None
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise NotFound(f"Crossref does not know DOI {doi}: check it, or add the paper from a .bib file") from None
        raise NetworkError(f"Crossref answered HTTP {exc.code} for {doi}: try again later") from None
    except http.client.HTTPException:  # BadStatusLine, IncompleteRead: an answer, but not HTTP
        raise NetworkError(f"Crossref at {base_url} sent a broken HTTP answer for {doi}: try again later") from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NetworkError(
            f"cannot reach Crossref at {base_url} ({reason}): check the network or CEDB_CROSSREF_URL, "
            "or add the paper from a .bib file"
        ) from None
    try:
        message = json.loads(body)["message"]
        return crossref_to_reference(message, doi)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise NetworkError(f"Crossref sent a malformed answer for {doi}: try again later") from None


def _exchange(request, *, timeout_s: float) -> bytes:
    """The body of one HTTP exchange, all of it within ``timeout_s`` seconds.

    urllib's timeout bounds each read, so a server trickling a byte a second would hold
    the command for ever; the exchange runs in a daemon thread that is abandoned at the
    deadline (TimeoutError). A body over MAX_HTTP_RESPONSE_BYTES is OverflowError.
    """
    import threading
    import urllib.request

    outcome: dict = {}

    def run() -> None:
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                body = response.read(MAX_HTTP_RESPONSE_BYTES + 1)
            if len(body) > MAX_HTTP_RESPONSE_BYTES:
                raise OverflowError
            outcome["body"] = body
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="cedb-http", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise TimeoutError
    if "error" in outcome:
        raise outcome["error"]
    return outcome["body"]


def crossref_to_reference(message: dict, doi: str) -> ReferenceCreate:
    """A ReferenceCreate from a Crossref ``message`` object (fields Crossref lacks stay empty)."""
    title = _strip_html(" ".join(message.get("title") or [])) or None
    authors = []
    for person in message.get("author") or []:
        family = person.get("family") or person.get("name")
        if not family:
            continue
        given = person.get("given")
        authors.append(f"{family}, {given}" if given else family)
    year = None
    for date_field in ("published-print", "published-online", "issued", "published"):
        parts = (message.get(date_field) or {}).get("date-parts") or []
        if parts and parts[0] and parts[0][0]:
            year = int(parts[0][0])
            break
    journal = _strip_html(" ".join(message.get("container-title") or [])) or None
    author_text = " and ".join(authors) or None
    entry_type = {
        "journal-article": "article",
        "proceedings-article": "inproceedings",
        "book-chapter": "incollection",
        "book": "book",
    }.get(str(message.get("type")), "misc")
    if message.get("DOI") and normalise_doi(message["DOI"]) != doi:
        raise ValueError("DOI mismatch")
    return ReferenceCreate(
        key=make_key(author_text, year, title),
        doi=doi,
        title=latex_to_text(title) if title else None,
        authors=author_text,
        journal=journal,
        year=year,
        volume=message.get("volume"),
        pages=(message.get("page") or "").replace("-", "–") or None,
        entry_type=entry_type,
    )


def _strip_html(text: str) -> str:
    """Plain text from Crossref's JATS/HTML markup (LiNO<sub>3</sub>, <i>in situ</i>, &amp;)."""
    import html

    return html.unescape(re.sub(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>", "", text)).strip()
