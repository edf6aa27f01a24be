"""Extraction speed on one core: MB/s and articles/s over a generated corpus.

The corpus varies the seed articles: dates, speaker names (from the registry,
same side), and the order of their paragraphs. Run:

    python bench/extract_speed.py [--articles 5000] [--seed 1]
"""

import argparse
import random
import re
import time
from datetime import date, timedelta
from pathlib import Path

from schemas import Article
from schemas.ids import article_id_for
from streams.core.corpus import build_article
from streams.core.extraction import extract
from streams.core.extraction.registry import load_registry

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def generate(count: int, seed: int) -> list[Article]:
    rnd = random.Random(seed)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    registry = load_registry()
    people = {side: [a for a in registry.actors.values() if a.kind == "person" and a.side.value == side]
              for side in ("russia", "nato")}
    articles = []
    for n in range(count):
        text = rnd.choice(texts)
        head, *paragraphs = text.split("\n\n")
        rnd.shuffle(paragraphs)
        text = "\n\n".join([head, *paragraphs])
        for original, side in (("Grushko", "russia"), ("Stoltenberg", "nato")):
            stand_in = rnd.choice(people[side]).name.split()[-1]
            text = re.sub(rf"\b{original}\b", stand_in, text)
        day = date(2019, 1, 1) + timedelta(days=rnd.randrange(1500))
        text = f"Updated {day:%B} {day.day}, {day.year}\n\n{text}"
        articles.append(build_article(text, f"generated-{n}.txt").model_copy(
            update={"article_id": article_id_for(text + str(n))}))
    return articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = generate(args.articles, args.seed)
    size = sum(len(a.text.encode("utf-8")) for a in corpus)
    extract(corpus[0])  # load the registry and lexicons outside the timing
    started = time.perf_counter()
    claims = sum(len(extract(a)) for a in corpus)
    elapsed = time.perf_counter() - started
    print(f"articles={len(corpus)} bytes={size} claims={claims} seconds={elapsed:.2f}")
    print(f"extraction: {size / elapsed / 1e6:.2f} MB/s, {len(corpus) / elapsed:.0f} articles/s (one core)")


if __name__ == "__main__":
    main()
