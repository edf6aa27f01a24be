"""Extraction on the seeds, scored against the hand-made gold with the shared scorer."""

import json
import subprocess
import sys
from pathlib import Path

from streams.corpus import read_corpus
from streams.extraction import extract


def test_seed_extraction_scores_at_least_085_strict_f1(repo: Path, shared: Path, tmp_path: Path) -> None:
    files = sorted(str(p.relative_to(repo)) for p in (repo / "seeds").glob("*.txt"))
    run = subprocess.run([sys.executable, "-m", "streams", "extract", *files, "--format", "jsonl"],
                         cwd=repo, capture_output=True, text=True, check=True)
    predicted = tmp_path / "pred.jsonl"
    predicted.write_text(run.stdout)
    score = subprocess.run([sys.executable, str(shared / "tools" / "score_claims.py"),
                            str(shared / "gold" / "seeds.jsonl"), str(predicted), "--show"],
                           capture_output=True, text=True, check=True)
    print(score.stdout)
    strict_f1 = float(score.stdout.strip().splitlines()[-1].split("=")[1])
    assert strict_f1 >= 0.85


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
