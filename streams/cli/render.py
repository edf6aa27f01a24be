"""How results look in a terminal: version tables and extraction scores."""

import json
from dataclasses import asdict

from rich.table import Table

from storage import queries
from streams.cli.app import OutputFormat, out
from streams.core.evaluation import Score, TopicScore


def print_versions(rows: list[queries.VersionRow], fmt: OutputFormat, title: str) -> None:
    if fmt is OutputFormat.json:
        print(json.dumps([asdict(r) for r in rows], default=str, indent=2))
        return
    table = Table(title=title, show_lines=False)
    columns = (("actor", 18), ("topic", 17), ("v", 2), ("stance", 11), ("valid from", 10), ("valid to", 10),
               ("reports", 7))
    for column, width in columns:
        table.add_column(column, no_wrap=True, min_width=width)
    table.add_column("evidence", overflow="ellipsis", no_wrap=True, max_width=45)
    for r in rows:
        table.add_row(r.actor_name, r.topic, str(r.version), r.stance, str(r.valid_from),
                      str(r.valid_to or "now"), str(r.reports), " ".join((r.evidence or "").split()))
    out.print(table)



def print_score(result: Score, show: bool, title: str) -> None:
    if show:
        for line in result.mistake_lines():
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    table = Table(title=title)
    for column in ("topic", "gold", "optional", "predicted", "found", "stance ok"):
        table.add_column(column, justify="left" if column == "topic" else "right", no_wrap=True)
    for column in ("strict P", "strict R", "strict F1", "pairs P", "pairs R", "pairs F1"):
        table.add_column(column, justify="right", no_wrap=True)

    def row(name: str, s: TopicScore) -> list[str]:
        figures = [s.strict.precision, s.strict.recall, s.strict.f1, s.pairs.precision, s.pairs.recall, s.pairs.f1]
        return [name, str(s.gold_pairs), str(s.optional_pairs), str(s.predicted_pairs), str(s.found_pairs),
                str(s.right_stances), *(f"{f:.3f}" for f in figures)]

    for topic, topic_score in result.topics.items():
        table.add_row(*row(topic, topic_score))
    table.add_section()
    table.add_row(*row("all", result.overall))
    out.print(table)
    out.print(f"strict_f1={result.overall.strict.f1:.3f}", markup=False, highlight=False)


