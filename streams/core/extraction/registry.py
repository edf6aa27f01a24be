"""The actor registry of ``data/actors.toml``: who can speak, under which names and titles."""

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from schemas.events import Side
from streams.core.extraction.patterns import word_alternation

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Role:
    title: str
    start: date
    end: date | None

    def held_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    side: Side
    kind: str  # "person" | "institution"
    aliases: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()


def _title_pattern(title: str) -> str:
    """'NATO Secretary General' also matches "NATO's Secretary-General"."""
    words = [re.escape(w) for w in title.replace("-", " ").split()]
    first, rest = words[0], words[1:]
    return first + r"(?:'s)?" + "".join(r"[\s-]+" + w for w in rest)


@dataclass(frozen=True)
class Home:
    """A bare title ("the President") that means the holder of ``role`` in texts showing ``markers``."""

    title: str
    role: str
    markers: re.Pattern[str]  # any of the office's markers


@dataclass
class Registry:
    actors: dict[str, Actor]
    homes: tuple[Home, ...] = ()
    alias_pattern: re.Pattern[str] = field(init=False)
    by_alias: dict[str, Actor] = field(init=False)
    role_pattern: re.Pattern[str] | None = field(init=False)
    by_title: dict[str, list[Actor]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_alias = {a: actor for actor in self.actors.values() for a in actor.aliases}
        names = sorted(self.by_alias, key=len, reverse=True)
        escaped = (re.escape(n).replace(r"\ ", r"\s+") for n in names)
        self.alias_pattern = word_alternation(list(escaped), ignore_case=False)
        self.by_title = {}
        for actor in self.actors.values():
            for role in actor.roles:
                self.by_title.setdefault(_normal_title(role.title), []).append(actor)
        titles = sorted({r.title for a in self.actors.values() for r in a.roles}, key=len, reverse=True)
        self.role_pattern = (
            word_alternation([_title_pattern(t) for t in titles], ignore_case=True)
            if titles else None
        )

    def by_role(self, title_text: str, on: date | None, named: frozenset[str] = frozenset()) -> Actor | None:
        """The actor who held the title on that date; None when unknown or ambiguous.
        A holder among ``named`` (the actors an undated text names) comes first."""
        holders = self.by_title.get(_normal_title(title_text), [])
        among_named = {a.id: a for a in holders if a.id in named}
        if len(among_named) == 1:
            return next(iter(among_named.values()))
        if on is None:
            return holders[0] if len(holders) == 1 else None
        for actor in holders:
            if any(r.held_on(on) and _normal_title(r.title) == _normal_title(title_text) for r in actor.roles):
                return actor
        return None

    def bare_titles(self, text: str, on: date | None, named: frozenset[str] = frozenset()) -> dict[str, Actor]:
        """What each bare title means in this text: the holder of the role of the home
        whose markers the text shows most often."""
        best: dict[str, tuple[int, Home]] = {}
        for home in self.homes:
            hits = len(home.markers.findall(text))
            key = home.title.lower()
            if hits and (key not in best or hits > best[key][0]):
                best[key] = (hits, home)
        resolved = {}
        for key, (_hits, home) in best.items():
            actor = self.by_role(home.role, on, named)
            if actor is not None:
                resolved[key] = actor
        return resolved

    def find(self, query: str) -> Actor | None:
        """Look an actor up by id, name or alias, case-insensitively."""
        q = query.strip().lower()
        for actor in self.actors.values():
            if q == actor.id or q == actor.name.lower() or q in (a.lower() for a in actor.aliases):
                return actor
        return None


def _normal_title(text: str) -> str:
    text = re.sub(r"^the\s+", "", text.strip(), flags=re.I)
    return re.sub(r"[\s-]+", " ", text.replace("'s", "")).lower()


@cache
def load_registry(path: Path = DATA_DIR / "actors.toml") -> Registry:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    actors = {}
    for row in data["actor"]:
        roles = tuple(
            Role(r["title"], date.fromisoformat(r["from"]), date.fromisoformat(r["to"]) if "to" in r else None)
            for r in row.get("roles", [])
        )
        actors[row["id"]] = Actor(
            id=row["id"], name=row["name"], side=Side(row["side"]), kind=row["kind"],
            aliases=tuple(row.get("aliases", [])), roles=roles,
        )
    homes = tuple(
        Home(row["title"], row["role"], re.compile("|".join(f"(?:{m})" for m in row["markers"])))
        for row in data.get("home", [])
    )
    return Registry(actors, homes)
