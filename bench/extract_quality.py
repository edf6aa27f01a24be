"""Extraction quality against a gold file: precision, recall and F1, overall and per topic,
and the time extraction took. The gold format is in docs/extraction.md ("Measuring extraction").
Run:

    python bench/extract_quality.py GOLD.jsonl CORPUS_DIR [--show]

e.g. `python bench/extract_quality.py seeds/gold/claims.jsonl seeds`. The last line is
`strict_f1=<value>`, as in `claimtrack eval`.
"""

import argparse
import sys
import time
from pathlib import Path

from schemas import Article
from streams.core.corpus import Failure, read_corpus
from streams.core.evaluation import GoldError, PredictedClaim, Score, TopicScore, article_name, read_gold, score
from streams.core.extraction import extract


def figures_line(name: str, s: TopicScore) -> str:
    return (f"{name:<18} gold {s.gold_pairs:>3} (+{s.optional_pairs} optional)  predicted {s.predicted_pairs:>3}  "
            f"strict P {s.strict.precision:.3f} R {s.strict.recall:.3f} F1 {s.strict.f1:.3f}  "
            f"pairs P {s.pairs.precision:.3f} R {s.pairs.recall:.3f} F1 {s.pairs.f1:.3f}")


def report(result: Score, show: bool) -> list[str]:
    lines = result.mistake_lines() if show else []
    lines += [figures_line(topic, s) for topic, s in result.topics.items()]
    lines.append(figures_line("all", result.overall))
    lines.append(f"stance accuracy on found pairs {result.overall.right_stances}/{result.overall.found_pairs}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gold", type=Path, help="gold file (JSON Lines)")
    parser.add_argument("corpus", type=Path, help="folder (or file) of the scored articles")
    parser.add_argument("--show", action="store_true", help="list the misses, wrong stances and extras")
    args = parser.parse_args()
    try:
        gold = read_gold(args.gold)
    except GoldError as exc:
        parser.error(str(exc))
    if not args.corpus.exists():
        parser.error(f"no such file or directory: {args.corpus}")
    items = list(read_corpus([args.corpus]))
    articles = [i for i in items if isinstance(i, Article)]
    for failure in (i for i in items if isinstance(i, Failure)):
        print(f"skipped {failure.source}: {failure.reason}", file=sys.stderr)
    if articles:
        extract(articles[0])  # load the registry and lexicons outside the timing
    started = time.perf_counter()
    predicted = [PredictedClaim.of(a.source, c) for a in articles for c in extract(a)]
    elapsed = time.perf_counter() - started
    size = sum(len(a.text.encode("utf-8")) for a in articles)
    result = score(gold, predicted, {article_name(a.source) for a in articles})
    print("\n".join(report(result, args.show)))
    print(f"articles={len(articles)} bytes={size} claims={len(predicted)} extraction seconds={elapsed:.2f}")
    print(f"strict_f1={result.overall.strict.f1:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
