"""A generated corpus for the tests: the seed articles varied (dates, speaker names
from the registry on the same side, paragraph order), so shuffles have many positions
and many claims to move. The tests keep their own copy of bench/extract_speed.py's
generator: nothing under tests/ imports bench/."""

import random
import re
from datetime import date, timedelta
from pathlib import Path

from schemas import Article
from schemas.ids import article_id_for
from streams.core.corpus import build_article
from streams.core.extraction.registry import load_registry

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _vary(text: str, rnd: random.Random, people: dict[str, list[str]]) -> str:
    head, *paragraphs = text.split("\n\n")
    rnd.shuffle(paragraphs)
    text = "\n\n".join([head, *paragraphs])
    for original, side in (("Grushko", "russia"), ("Stoltenberg", "nato")):
        text = re.sub(rf"\b{original}\b", rnd.choice(people[side]), text)
    day = date(2019, 1, 1) + timedelta(days=rnd.randrange(1500))
    return f"Updated {day:%B} {day.day}, {day.year}\n\n{text}"


def generate(count: int, seed: int) -> list[Article]:
    """``count`` articles, the same for the same ``seed``."""
    rnd = random.Random(seed)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    registry = load_registry()
    people = {side: [a.name.split()[-1] for a in registry.actors.values()
                     if a.kind == "person" and a.side.value == side] for side in ("russia", "nato")}
    articles = []
    for n in range(count):
        text = _vary(rnd.choice(texts), rnd, people)
        articles.append(build_article(text, f"generated-{n}.txt").model_copy(
            update={"article_id": article_id_for(text + str(n))}))
    return articles
