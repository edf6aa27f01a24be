"""Extraction on the seeds, scored against the seeds' hand-made gold with `claimtrack eval`."""

import json
import subprocess
import sys
from pathlib import Path

from schemas import Article
from streams.core.corpus import read_corpus
from streams.core.extraction import extract

SEED_GOLD = "seeds/gold/claims.jsonl"


def test_seed_extraction_scores_at_least_090_strict_f1(repo: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "streams", "eval", SEED_GOLD, "seeds", "--show"],
                         cwd=repo, capture_output=True, text=True)
    print(run.stdout, run.stderr)
    assert run.returncode == 0, run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("strict_f1=")
    assert float(last.split("=")[1]) >= 0.90


def test_every_evidence_span_indexes_the_article_text(seeds_dir: Path) -> None:
    for article in read_corpus([seeds_dir]):
        for claim in extract(article):  # type: ignore[arg-type]
            assert article.text[claim.span[0]:claim.span[1]] == claim.evidence
            for span in claim.evidence_spans:
                assert article.text[span.start:span.end] == span.text


def test_extract_output_carries_the_fields_the_scorer_and_users_read(repo: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "streams", "extract", "seeds/000_d07fadb290a2279d.txt"],
                         cwd=repo, capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert rows
    for row in rows:
        assert row["source"] == "seeds/000_d07fadb290a2279d.txt"
        assert {"actor", "actor_name", "side", "topic", "stance", "evidence", "span", "published_at"} <= row.keys()
        assert row["published_at"] == "2021-06-08"


def test_the_seed_gold_is_not_part_of_the_seed_corpus(seeds_dir: Path) -> None:
    # read_corpus reads a folder one level deep: seeds/gold/ is read by `claimtrack eval` only.
    items = list(read_corpus([seeds_dir]))
    assert all(isinstance(item, Article) for item in items)
    assert [Path(item.source).parent for item in items] == [seeds_dir] * 5
