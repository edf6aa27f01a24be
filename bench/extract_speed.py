"""Extraction speed on one core: MB/s and articles/s over a generated corpus.

The corpus varies the seed articles: dates, speaker names (from the registry,
same side), and the order of their paragraphs. Run:

    python bench/extract_speed.py [--articles 5000] [--seed 1] [--sizes 10KB,100KB,1MB]

--sizes first times single articles of those sizes (generated articles joined into
one), a line each: extraction is linear in an article's length when MB_per_s stays
flat as the size grows.
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


_UNITS = {"KB": 1_000, "MB": 1_000_000}


def parse_size(size: str) -> int:
    """'10KB' -> 10000 bytes, '1MB' -> 1000000, '2500' -> 2500."""
    unit = size[-2:].upper()
    return int(float(size[:-2]) * _UNITS[unit]) if unit in _UNITS else int(size)


def article_of_size(size: int, seed: int) -> Article:
    """One article of about ``size`` bytes: generated articles joined, cut at a paragraph."""
    parts: list[str] = []
    length = 0
    batch = 0
    while length < size:
        for article in generate(50, seed + batch):
            parts.append(article.text)
            length += len(article.text.encode("utf-8")) + 2
            if length >= size:
                break
        batch += 1
    text = "\n\n".join(parts)
    cut = len(text.encode("utf-8")[:size].decode("utf-8", errors="ignore"))  # characters in ``size`` bytes
    paragraph_end = text.rfind("\n\n", 0, cut)
    return build_article(text[: paragraph_end if paragraph_end > 0 else cut], f"generated-{size}.txt")


def time_sizes(sizes: list[str], seed: int, repeat: int) -> None:
    """A line per size; the best of ``repeat`` runs, as the machine's other load only slows."""
    for size in sizes:
        article = article_of_size(parse_size(size), seed)
        length = len(article.text.encode("utf-8"))
        best, claims = float("inf"), 0
        for _ in range(repeat):
            started = time.perf_counter()
            claims = len(extract(article))
            best = min(best, time.perf_counter() - started)
        print(f"size={size} bytes={length} claims={claims} seconds={best:.3f} MB_per_s={length / best / 1e6:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000, help="0: only the --sizes lines")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", type=lambda s: s.split(","), default=[],
                        help="comma-separated article sizes to time one by one, e.g. 10KB,100KB,1MB")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best is shown")
    args = parser.parse_args()
    if args.sizes:
        extract(generate(1, args.seed)[0])  # load the registry and lexicons outside the timing
        time_sizes(args.sizes, args.seed, args.repeat)
    if args.articles <= 0:
        return
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
