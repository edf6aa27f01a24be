"""Offline extraction commands: extract claims, and score them against a gold file."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from streams.cli.app import ExtractFormat, OutputFormat, app, err, fail, out, settings
from streams.cli.render import print_score
from streams.core.corpus import Failure, read_corpus
from streams.core.evaluation import GoldError, PredictedClaim, article_name, read_gold, score
from streams.core.extraction import extract as extract_claims


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Article files (.txt, .jsonl) or directories")],
    format: Annotated[ExtractFormat, typer.Option("--format", help="Output format")] = ExtractFormat.jsonl,
) -> None:
    """Extract claims offline: no broker, no database. Articles are admitted as `replay`
    admits them: the same size limit and date window."""
    s = settings()
    failed = 0
    table = Table("source", "actor", "topic", "stance", "evidence")
    for item in read_corpus(paths, s.date_window, s.max_article_bytes):
        if isinstance(item, Failure):
            failed += 1
            err.print(f"refused {item.source}: {item.reason}", markup=False, highlight=False)
            continue
        for claim in extract_claims(item):
            row = {"source": item.source, "article_id": item.article_id, "actor": claim.actor_id,
                   "actor_name": claim.actor_name, "side": claim.side.value, "topic": claim.topic.value,
                   "stance": claim.stance.value, "evidence": claim.evidence, "span": list(claim.span),
                   "evidence_spans": [s.model_dump(mode="json") for s in claim.evidence_spans],
                   "published_at": claim.published_at.isoformat() if claim.published_at else None,
                   "date_known": claim.date_known, "confidence": claim.confidence,
                   "extractor_version": claim.extractor_version}
            if format is ExtractFormat.jsonl:
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                table.add_row(Path(item.source).name, claim.actor_name, claim.topic.value, claim.stance.value,
                              claim.evidence[:80])
    if format is ExtractFormat.table:
        out.print(table)
    if failed:
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold file (JSON Lines, see docs/extraction.md)")],
    paths: Annotated[list[Path], typer.Argument(help="Article files (.txt, .jsonl) or directories")],
    show: Annotated[bool, typer.Option("--show", help="List the misses, wrong stances and extras first")] = False,
    format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
    min_f1: Annotated[float | None, typer.Option("--min-f1", min=0.0, max=1.0,
                                                 help="Exit 1 when strict F1 falls below this")] = None,
) -> None:
    """Extract claims offline and score them against a gold file: precision, recall and F1 per topic."""
    try:
        gold_lines = read_gold(gold)
    except GoldError as exc:
        raise fail(str(exc)) from None
    for path in paths:
        if not path.exists():
            raise fail(f"no such file or directory: {path}")
    predicted: list[PredictedClaim] = []
    names: set[str] = set()
    failed = 0
    for item in read_corpus(paths):
        if isinstance(item, Failure):
            failed += 1
            err.print(f"skipped {item.source}: {item.reason}", markup=False, highlight=False)
            continue
        names.add(article_name(item.source))
        predicted.extend(PredictedClaim.of(item.source, claim) for claim in extract_claims(item))
    unread = sorted({g.article for g in gold_lines} - names)
    if unread:
        err.print(f"note: {len(unread)} article(s) of the gold are not in the corpus, their pairs count as "
                  f"misses: {', '.join(unread)}", markup=False, highlight=False, soft_wrap=True)
    result = score(gold_lines, predicted, names)
    if format is OutputFormat.json:
        print(json.dumps(result.model_dump(mode="json"), indent=2))
    else:
        print_score(result, show, f"extraction scored against {gold}")
    if min_f1 is not None and result.overall.strict.f1 < min_f1:
        raise fail(f"strict F1 {result.overall.strict.f1:.3f} is below --min-f1 {min_f1}", 1)
    if failed:
        raise typer.Exit(1)


