"""The replay's report: what was sent and refused, file by file."""

from streams.clients.producer import ReplayResult, file_of, refuse
from streams.core.corpus import Failure


def test_a_jsonl_line_counts_for_its_file_and_a_txt_for_itself() -> None:
    assert file_of("corpus/all.jsonl:12") == "corpus/all.jsonl"
    assert file_of("corpus/a.txt") == "corpus/a.txt"
    assert file_of("odd:name.txt") == "odd:name.txt"


def test_reports_merge_file_by_file() -> None:
    read, sent = ReplayResult(), ReplayResult()
    refuse(read, Failure("c.jsonl:3", "no 'text' field"), lambda _: None)
    sent.count("c.jsonl:1", sent=True)
    sent.count("c.jsonl:2", sent=True)
    sent.count("a.txt", sent=True)
    sent.produced = 3
    refuse(sent, Failure("b.txt", "too big"), lambda _: None)
    read.merge(sent)
    assert read.by_file == {"c.jsonl": [2, 1], "a.txt": [1, 0], "b.txt": [0, 1]}
    assert (read.produced, [f.source for f in read.failures]) == (3, ["c.jsonl:3", "b.txt"])
