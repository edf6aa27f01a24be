"""The fast word-list patterns find what a plain alternation finds."""

import re
import tomllib
from pathlib import Path

import pytest

from streams.core.extraction.patterns import word_alternation

CUES = Path(__file__).resolve().parents[2] / "streams" / "core" / "extraction" / "data" / "cues.toml"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _plain(entries: list[str], ignore_case: bool) -> re.Pattern[str]:
    ordered = sorted(entries, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{e})" for e in ordered) + r")(?![\w])",
                      re.I if ignore_case else 0)


def _lists() -> list[tuple[str, list[str]]]:
    data = tomllib.loads(CUES.read_text(encoding="utf-8"))
    out = [(f"topics.{k}", v) for k, v in data["topics"].items()]
    out += [(f"stance.{k}", v) for k, v in data["stance"].items()]
    out += [("speech.verbs", data["speech"]["verbs"]), ("speech.stance_verbs", data["speech"]["stance_verbs"])]
    return out


@pytest.mark.parametrize(("name", "entries"), _lists(), ids=[n for n, _ in _lists()])
@pytest.mark.parametrize("ignore_case", [True, False])
def test_same_matches_as_a_plain_alternation(name: str, entries: list[str], ignore_case: bool) -> None:
    entries = [e.replace(" ", r"\s+") for e in entries]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    text += "\nDe-escalation, DIALOGUE and talks; re-talks, pre-dialogue, said, SAID, Said it.\n"
    fast = [(m.start(), m.end()) for m in word_alternation(entries, ignore_case).finditer(text)]
    plain = [(m.start(), m.end()) for m in _plain(entries, ignore_case).finditer(text)]
    assert fast == plain
    assert plain, f"{name}: the sample text should exercise the list"


def test_an_entry_that_starts_with_no_plain_letter_falls_back_to_the_plain_form() -> None:
    pattern = word_alternation([r"\d+ troops", "talks"], ignore_case=True)
    assert [m.group() for m in pattern.finditer("100 troops left; Talks go on; pretalks")] == ["100 troops", "Talks"]
