"""Mentions of actors in a sentence: registry names and titles, titled names of speakers
the registry lacks, back-references, bare titles and joint subjects, and the context that
earlier sentences established for resolving them."""

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from schemas.events import Side
from streams.core.extraction.lexicon import Lexicon, backref_filter
from streams.core.extraction.names import Names
from streams.core.extraction.patterns import UPPER, Occupancy, alternation_source
from streams.core.extraction.registry import Actor, Registry

_WORD = rf"[{UPPER}][^\W\d_]+(?:-[{UPPER}]?[^\W\d_]+)?(?:['’][{UPPER}][^\W\d_]+)?"
_NAME = rf"{_WORD}(?:\s+{_WORD}){{1,2}}"
_PREFIX = re.compile(r"(?:[A-Z][\w.'’-]*\s+){1,4}$")
# Words of a country's name, never of a person's ("President of the French Republic Emmanuel Macron").
_STATE_WORDS = frozenset("Republic Federation Kingdom States Federal Islamic Emirates Union".split())
JOINT = "*joint*"  # stands for every participant of the call or meeting until attribution is done


@dataclass(frozen=True)
class Speaker:
    id: str
    name: str
    side: Side
    kind: str  # "person" | "institution"


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    speaker: Speaker | None  # None: a back-reference that found no antecedent
    kind: str  # "name" | "role" | "backref"


@dataclass(frozen=True)
class Scan:
    appositives: list[re.Match[str]]
    backrefs: list[re.Match[str]]
    roles: list[re.Match[str]]
    aliases: list[re.Match[str]]
    joints: list[re.Match[str]]
    bare: list[re.Match[str]]
    _starts: dict[int, list[int]] = field(default_factory=dict)

    def within(self, found: list[re.Match[str]], start: int, end: int) -> list[re.Match[str]]:
        """The matches inside [start, end): they come in text order, so bisect to them."""
        if not found:
            return []
        starts = self._starts.get(id(found))
        if starts is None:
            starts = self._starts[id(found)] = [m.start() for m in found]
        first = bisect.bisect_left(starts, start)
        last = bisect.bisect_left(starts, end, lo=first)
        return [m for m in found[first:last] if m.end() <= end]


@dataclass
class Context:
    """What earlier sentences established: who was mentioned, who spoke."""

    discovered: Names[Speaker] = field(default_factory=Names)
    participants: list[Speaker] = field(default_factory=list)  # the persons the lead names
    # "president" -> the text's own principal; worked out on first use, since most texts use no bare title
    bare_titles: Callable[[], dict[str, Speaker]] = dict
    _bare: dict[str, Speaker] | None = None
    named: frozenset[str] = frozenset()  # registry actors an undated text names
    # The speaker noted last of each kind a back-reference asks for ("person", "institution",
    # and a side's persons): the answer without walking back over every speaker noted.
    _last: dict[str, Speaker] = field(default_factory=dict)

    def bare(self, title: str) -> Speaker | None:
        if self._bare is None:
            self._bare = self.bare_titles()
        return self._bare.get(title)

    def note(self, speaker: Speaker) -> None:
        if speaker.kind in ("person", "institution"):
            self._last[speaker.kind] = speaker
        if speaker.kind == "person" and speaker.side.value in ("russia", "nato"):
            self._last[speaker.side.value] = speaker

    def resolve_backref(self, kind: str) -> Speaker | None:
        """The most recently noted speaker a back-reference of this kind can mean."""
        return self._last.get(kind)


def speaker_of(actor: Actor) -> Speaker:
    return Speaker(actor.id, actor.name, actor.side, actor.kind)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class MentionFinder:
    """Finds the actors a sentence mentions."""

    def __init__(self, registry: Registry, lexicon: Lexicon) -> None:
        self.registry = registry
        self.lex = lexicon
        # "Deputy Foreign Minister Alexander Grushko", "President of the Republic of Turkey Recep Tayyip Erdogan"
        self.appositive = re.compile(
            "(?P<title>" + alternation_source([t.replace(" ", r"\s+") for t in lexicon.role_title_list], False) + ")"
            rf"(?P<of>\s+of\s+(?:the\s+)?(?:[{UPPER}][\w'’-]*\s+(?:of\s+(?:the\s+)?)?){{1,4}}?)?"
            rf"\s*(?P<name>{_NAME})(?![\w'’-])(?!\s+[{UPPER}])"
        )

    def _side_of(self, prefix: str) -> Side:
        if self.lex.side_words["russia"].search(prefix):
            return Side.RUSSIA
        if self.lex.side_words["nato"].search(prefix):
            return Side.NATO
        return Side.OTHER

    def scan(self, text: str) -> "Scan":
        """Every pattern run once over the whole article; sentences then take their share."""
        return Scan(
            appositives=list(self.appositive.finditer(text)),
            backrefs=list(self.lex.backref_pattern.finditer(text)),
            roles=list(self.registry.role_pattern.finditer(text)) if self.registry.role_pattern else [],
            aliases=list(self.registry.alias_pattern.finditer(text)),
            joints=list(self.lex.joint_subjects.finditer(text)),
            bare=list(self.lex.bare_titles.finditer(text)),
        )

    def _known(self, name: str) -> Actor | None:
        """A registry actor by full name, else by surname."""
        return self.registry.by_alias.get(name) or self.registry.by_alias.get(name.split()[-1])

    def mentions(self, text: str, start: int, end: int, ctx: Context, on: date | None,
                 scan: "Scan | None" = None) -> list[Mention]:
        """Actor mentions in [start, end): the longest reading wins where readings overlap
        ("The Kremlin official" is a back-reference, not the Kremlin)."""
        scan = scan or self.scan(text)

        def within(found: list[re.Match[str]]) -> list[re.Match[str]]:
            return scan.within(found, start, end)

        def with_article(at: int) -> int:
            # "the Russian Foreign Ministry" names the ministry; it is no back-reference
            return at - 4 if at - 4 >= start and text[at - 4:at].lower() == "the " else at

        candidates: list[tuple[int, int, Speaker | None, str, int]] = []  # (start, end, speaker, kind, rank)
        speaker: Speaker | None
        # A titled name tells the side of a speaker the registry lacks.
        for m in within(scan.appositives):
            words = m.group("name").split()
            while len(words) > 2 and words[0] in _STATE_WORDS:
                words = words[1:]
            name = " ".join(words)
            # Capitalised words before the title ("Russian Deputy ...") tell the side.
            prefix = _PREFIX.search(text, max(start, m.start() - 60), m.start())
            phrase_start = prefix.start() if prefix and prefix.group() else m.start()
            actor = self._known(name)
            if actor is not None:
                speaker = speaker_of(actor)
            else:
                side = self._side_of(text[phrase_start:m.start("name")])
                speaker = ctx.discovered.get(name) or Speaker(_slug(name), name, side, "person")
                ctx.discovered[name.split()[-1]] = speaker
                ctx.discovered[name] = speaker
            candidates.append((phrase_start, m.end("name"), speaker, "name", 0))
        for m in within(scan.joints):
            candidates.append((m.start(), m.end(), Speaker(JOINT, JOINT, Side.OTHER, "person"), "joint", 2))
        for m in within(scan.bare):
            bare = ctx.bare(re.sub(r"\s+", " ", m.group("title")).lower())
            if bare is not None:
                candidates.append((m.start(), m.end(), bare, "role", 2))
        for m in within(scan.backrefs):
            candidates.append((m.start(), m.end(), None, "backref:" + re.sub(r"\s+", " ", m.group()), 5))
        for m in within(scan.roles):
            actor = self.registry.by_role(m.group(), on, ctx.named)
            if actor is not None:
                candidates.append((with_article(m.start()), m.end(), speaker_of(actor), "role", 1))
        for m in within(scan.aliases):
            actor = self.registry.by_alias[re.sub(r"\s+", " ", m.group())]
            candidates.append((with_article(m.start()), m.end(), speaker_of(actor), "name", 3))
        for n_start, n_end, name in ctx.discovered.find(text, start, end):
            candidates.append((n_start, n_end, ctx.discovered[name], "name", 4))
        if len(candidates) < 2:
            return [Mention(c[0], c[1], c[2], c[3]) for c in candidates]
        chosen: list[Mention] = []
        taken = Occupancy(min(c[0] for c in candidates), max(c[1] for c in candidates))
        for c_start, c_end, speaker, kind, _rank in sorted(candidates, key=lambda c: (c[0] - c[1], c[4], c[0])):
            if taken.claim(c_start, c_end):
                chosen.append(Mention(c_start, c_end, speaker, kind))
        return sorted(chosen, key=lambda m: m.start)

    def resolve(self, mention: Mention, ctx: Context) -> Speaker | None:
        word = mention.kind.split(":", 1)[1]
        return ctx.resolve_backref(backref_filter(self.lex, word))
