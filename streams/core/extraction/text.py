"""Layout of an article's text: page furniture, paragraphs, sentences and quotes.

Everything here returns character offsets into the original text, so evidence
spans always index the article exactly as it was read.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Whole lines that are page furniture, not reporting. The translation notice commits to
# the first "machine" word of the line (?>...): a "translat" after any later one is after
# the first too, and retrying from each one would be quadratic in a long line.
_FURNITURE = re.compile(
    r"""^\s*(?:
        advertisement | all\ news | back\ to\ top(?:\ button)? | whatsapp\ logo
      | (?:google\ \+\ )?share(?:\ on\ \w+)*.* | .*\bshare\ on\ (?:whatsapp|facebook|twitter)\b.*
      | trending(?:\ \w+)? | related(?:\ (?:news|articles|stories))?:? | read\ (?:more|also):?.*
      | \d+\ (?:seconds?|minutes?|hours?|days?)\ ago
      | (?:image|photo|picture|video|file\ photo)\s*:.* | ©.* | .*\bphoto(?:graph)?\ by\b.*
      | reported\ by:?.* | (?:updated|published|posted)\b.*\b(?:\d{4}|ist|gmt|utc)\b.{0,20}
      | your\ voice\.\ now\ direct\. | send\ us\ your\ views.* | this\ section\ is\ moderated\.?
      | follow\ us.* | subscribe.* | sign\ up.* | click\ here.*
      | not\ all\ news\ on\ the\ site.* | (?>.*?\b(?:machine|automatic(?:ally)?|programmatic)\b).*\btranslat.*
      | [\w .'-]{1,40}/(?:tass|ria\ novosti|reuters|ap|afp|getty\ images|sputnik|epa)
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A stripped line longer than this is furniture only by an alternative above that takes
# the rest of the line (".*"): those start with one of a few words or hold one of a few.
# Looking for them first spares most lines of an article the three passes over the whole
# line that the pattern makes to say no.
_BOUNDED_FURNITURE = 60
_LONG_FURNITURE_START = re.compile(
    r"\s*(?:share|google|trending|read|\d|image|photo|picture|video|file|©|reported|updated|published|posted"
    r"|send|follow|subscribe|sign|click|not)", re.IGNORECASE)
_LONG_FURNITURE_WORD = re.compile(r"share on|photo|translat", re.IGNORECASE)


def is_furniture(line: str) -> bool:
    """Whether a whole line is page furniture (``_FURNITURE``)."""
    if len(line.strip()) > _BOUNDED_FURNITURE and not (
        _LONG_FURNITURE_START.match(line) or _LONG_FURNITURE_WORD.search(line)
    ):
        return False
    return _FURNITURE.match(line) is not None


_HEADER_OF_LISTS = re.compile(r"^\s*(?:trending|most\ read|popular|related|more\ from|recommended)\b", re.I | re.X)

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr gen lt col maj capt adm sgt st jan feb mar apr jun jul aug sep sept oct nov dec "
    "no vs etc sen rep gov jr sr prof inc co corp ltd dept amb pres approx".split()
)
# A run of stops is tried from its first one only, and whole: from each stop of a long run
# ("......") the engine would otherwise rescan the rest of it.
_SENTENCE_END = re.compile(r"(?<![.!?])[.!?]++[\"”’']?(?=\s+[\"“‘'(\[]?[A-Z0-9–—-])")
_LAST_WORD = re.compile(r"(\w+)\W*$")
_OPEN_QUOTES = "“«"
_CLOSE_QUOTES = "”»"


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    paragraph: int


# A text whose lines all stop short of this is wrapped by hand: a paragraph runs on
# over its lines until a blank one.
_WRAP_WIDTH = 100
_WRAPPED_MIN_LINES = 5


def _is_wrapped(lines: list[str]) -> bool:
    filled = [line for line in lines if line.strip()]
    return len(filled) >= _WRAPPED_MIN_LINES and max(len(line.rstrip()) for line in filled) <= _WRAP_WIDTH


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraphs as (start, end) offsets, in order, page furniture left out: a line
    each, or in a hand-wrapped text the lines between blank ones."""
    return list(iter_paragraphs(text))


def iter_paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """``paragraphs``, found as they are read: a caller that needs the first few stops early."""
    lines = _lines(text)
    spans = _kept_lines(lines)
    if not _is_wrapped([line for _, line in lines]):
        yield from ((a, b) for a, b, _ in spans)
        return
    run: tuple[int, int, int] | None = None
    for start, end, number in spans:
        if run is not None and run[2] == number - 1:
            run = (run[0], end, number)
            continue
        if run is not None:
            yield run[0], run[1]
        run = (start, end, number)
    if run is not None:
        yield run[0], run[1]


def _lines(text: str) -> list[tuple[int, str]]:
    """Every line with its offset, blank ones included."""
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def _kept_lines(lines: list[tuple[int, str]]) -> Iterator[tuple[int, int, int]]:
    """Non-furniture, non-blank lines as (start, end, line number)."""
    in_list = False
    for number, (offset, line) in enumerate(lines):
        if not line.strip():
            continue
        if _HEADER_OF_LISTS.match(line) and len(line) < 40:
            in_list = True
            continue
        if in_list and len(line) < 120 and not re.search(r"[.!?][\"”]?\s*$", line):
            continue
        in_list = False
        if is_furniture(line) or not line.strip():
            continue
        start = offset + (len(line) - len(line.lstrip()))
        end = offset + len(line.rstrip())
        yield start, end, number


def sentences(text: str) -> list[Sentence]:
    """Sentences of the kept paragraphs, as offsets into ``text``."""
    out = []
    for number, (p_start, p_end) in enumerate(paragraphs(text)):
        chunk = text[p_start:p_end]
        cursor = 0
        for match in _SENTENCE_END.finditer(chunk):
            # The word before the full stop, looked for in a short window: abbreviations are short.
            word = _LAST_WORD.search(chunk, max(cursor, match.start() - 40), match.start() + 1)
            token = word.group(1) if word else ""
            if token.lower() in _ABBREVIATIONS or (len(token) == 1 and token.isupper()):
                continue  # "Mr. Grushko", "U.S. officials": not a sentence end
            out.append(Sentence(p_start + cursor, p_start + match.end(), number))
            cursor = match.end()
            while cursor < len(chunk) and chunk[cursor].isspace():
                cursor += 1
        if cursor < len(chunk):
            out.append(Sentence(p_start + cursor, p_end, number))
    return out


_QUOTE_CHARS = re.compile(r"[\"“”«»–—]")
_AFTER_SENTENCE = re.compile(r"[.!?][\"”’]?\s+$")


def quote_regions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Quoted stretches within [start, end); an unclosed quote runs to ``end``."""
    regions: list[tuple[int, int]] = []
    opened: int | None = None
    for m in _QUOTE_CHARS.finditer(text, start, end):
        i, ch = m.start(), m.group()
        if ch in "–—":
            # A dash that opens a sentence introduces speech in transcribed quotes ("– We were ...").
            if opened is None and (i == start or _AFTER_SENTENCE.search(text, max(start, i - 4), i)):
                opened = i
        elif ch in _OPEN_QUOTES or (ch == '"' and opened is None):
            if opened is None:
                opened = i
        elif opened is not None:
            regions.append((opened, i + 1))
            opened = None
    if opened is not None:
        regions.append((opened, end))
    return regions
