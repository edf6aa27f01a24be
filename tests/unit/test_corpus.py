import json
from datetime import date
from pathlib import Path

import pytest

from schemas import Article
from streams.core.corpus import Failure, build_article, find_published_date, read_corpus, split_title
from streams.core.plausible import DateWindow


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Advertisement\n\nUpdated March 2nd, 2023 at 10:15 IST\n\nHeadline here\n", date(2023, 3, 2)),
        ("BERLIN (Outlet / Agency - 21st April, 2020) The minister said ...", date(2020, 4, 21)),
        ("Published: 2019-11-05\nSome headline\nBody.", date(2019, 11, 5)),
    ],
)
def test_publication_date_stated_in_the_text(text: str, expected: date) -> None:
    assert find_published_date(text) == (expected, "text")


def test_a_dateline_without_year_takes_the_latest_year_mentioned_and_says_so() -> None:
    text = "Headline\nVIENNA, Sept. 14 (Agency) - talks began, the first since 2018 and 2015."
    assert find_published_date(text) == (date(2018, 9, 14), "inferred")
    assert find_published_date("Headline\nMOSCOW, March 3. /Agency/. No year here.") == (None, "unknown")


@pytest.mark.parametrize("text", ["A headline with no date at all\nAnd a body.",
                                  "Headline\n" + "x " * 600 + "\nThe talks of January 10, 2022 failed."])
def test_no_date_unless_stated_where_publication_dates_stand(text: str) -> None:
    assert find_published_date(text) == (None, "unknown")


def test_title_skips_furniture_and_breadcrumbs() -> None:
    text = "Advertisement\nWorldEuropePoliticsNews\nMinister rejects new talks offer\n\nBody text here."
    title, body_start = split_title(text)
    assert title == "Minister rejects new talks offer"
    assert text[body_start:].strip() == "Body text here."


def test_article_id_is_stable_across_whitespace_and_case() -> None:
    a = build_article("Headline here\n\nBody  text.", "a.txt")
    b = build_article("headline here\nbody text.", "b.txt")
    assert a.article_id == b.article_id


def test_manifest_metadata_overrides_the_text(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("Headline stated here\nUpdated May 1st, 2020\nBody.")
    (tmp_path / "manifest.toml").write_text('["one.txt"]\noutlet = "Wire"\npublished_at = 2020-05-02\n')
    [article] = list(read_corpus([tmp_path]))
    assert isinstance(article, Article)
    assert (article.outlet, article.published_at, article.date_source) == ("Wire", date(2020, 5, 2), "manifest")


def test_jsonl_corpus_reads_each_line_and_reports_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    rows = [{"text": "Headline one\nBody.", "outlet": "Wire", "published_at": "2021-02-03"},
            {"title": "no text"}, "not an object", {"text": "Headline two\nBody two."}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
    items = list(read_corpus([path]))
    articles = [i for i in items if isinstance(i, Article)]
    failures = [i for i in items if isinstance(i, Failure)]
    assert [a.published_at for a in articles] == [date(2021, 2, 3), None]
    assert articles[0].outlet == "Wire" and articles[0].source == f"{path}:1"
    assert len(failures) == 3


def test_bad_files_are_reported_one_by_one(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 talks".encode("latin-1"))
    (tmp_path / "numbers.txt").write_text("1,2,3\n4,5,6\n7,8,9\n" * 20)
    (tmp_path / "notes.md").write_text("# not an article file")
    (tmp_path / "good.txt").write_text("A proper headline\nBody.")
    items = list(read_corpus([tmp_path, tmp_path / "missing.txt", tmp_path / "notes.md"]))
    reasons = {Path(i.source).name: i.reason for i in items if isinstance(i, Failure)}
    assert reasons.pop("numbers.txt").startswith("not an article (0 words")
    assert reasons == {"empty.txt": "empty article", "latin1.txt": "not UTF-8 (byte 3)", "missing.txt": "no such file",
                       "notes.md": "not an article file (.txt or .jsonl)"}
    assert sum(isinstance(i, Article) for i in items) == 1


GOOD = "Talks resume in Geneva\nMOSCOW, June 6. Sergei Ryabkov said Moscow is open to talks.\n"


def test_a_bad_manifest_entry_refuses_that_file_only_in_one_line(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        (tmp_path / name).write_text(GOOD + name)
    (tmp_path / "manifest.toml").write_text(
        '"d.txt" = "not a table"\n["a.txt"]\npublished_at = "June 2021"\n["b.txt"]\noutlet = 42\n'
        '["c.txt"]\noutlet = "Wire"\npublished_at = 2021-06-06\n')
    items = list(read_corpus([tmp_path]))
    reasons = {Path(i.source).name: i.reason for i in items if isinstance(i, Failure)}
    assert set(reasons) == {"a.txt", "b.txt", "d.txt"}
    assert "published_at" in reasons["a.txt"] and "not a date" in reasons["a.txt"]
    assert reasons["b.txt"].startswith("manifest entry: outlet:")
    assert all("\n" not in r for r in reasons.values())
    [good] = [i for i in items if isinstance(i, Article)]
    assert (Path(good.source).name, good.outlet, good.published_at) == ("c.txt", "Wire", date(2021, 6, 6))


@pytest.mark.parametrize("manifest", [b'["a.txt"\noutlet = ', b"\xff\xfe not utf-8", b'a = 1\na = 2\n'])
def test_a_broken_manifest_refuses_its_folder_in_one_line_and_the_rest_goes_on(tmp_path: Path,
                                                                               manifest: bytes) -> None:
    bad, good = tmp_path / "bad", tmp_path / "good"
    bad.mkdir()
    good.mkdir()
    for folder in (bad, good):
        (folder / "a.txt").write_text(GOOD)
    (bad / "manifest.toml").write_bytes(manifest)
    items = list(read_corpus([bad, good]))
    [failure] = [i for i in items if isinstance(i, Failure)]
    assert failure.source == str(bad / "manifest.toml") and "\n" not in failure.reason
    assert [Path(i.source).parent for i in items if isinstance(i, Article)] == [good]


def test_a_jsonl_field_of_the_wrong_type_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"text": GOOD, "outlet": ["Wire"]}) + "\n")
    [failure] = list(read_corpus([path]))
    assert isinstance(failure, Failure) and failure.reason.startswith("outlet:") and "\n" not in failure.reason


def test_dates_outside_the_window_are_refused_with_the_reason(tmp_path: Path) -> None:
    window = DateWindow(date(1900, 1, 1), date(2026, 12, 1))
    path = tmp_path / "c.jsonl"
    rows = [{"text": GOOD, "published_at": day} for day in ("0001-01-01", "9999-12-31", "2021-06-06", "1899-12-31")]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    items = list(read_corpus([path], window))
    assert [i.published_at for i in items if isinstance(i, Article)] == [date(2021, 6, 6)]
    reasons = [i.reason for i in items if isinstance(i, Failure)]
    assert reasons[0] == "publication date 0001-01-01 is outside 1900-01-01..2026-12-01 (manifest)"
    assert len(reasons) == 3


def test_an_article_over_the_shared_limit_is_refused_by_the_reader_with_its_file(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text(GOOD + "More talk of talks. " * 3000)
    (tmp_path / "small.txt").write_text(GOOD)
    items = list(read_corpus([tmp_path], max_event_bytes=20_000))
    [failure] = [i for i in items if isinstance(i, Failure)]
    assert failure.source == str(tmp_path / "big.txt")
    assert failure.reason.startswith("article event of ") and "exceeds the limit of 20000" in failure.reason
    assert [Path(i.source).name for i in items if isinstance(i, Article)] == ["small.txt"]


def test_a_tab_separated_manifest_gives_each_file_its_metadata_by_column_name(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(GOOD + name)
    (tmp_path / "MANIFEST.tsv").write_text(
        "file\tsource\turl\tpublished_date\ttitle\n"
        "a.txt\tarchive row 7\thttps://example.org/a\t2021-04-15\tRemarks on Russia\n"
        "b.txt\t\t\tApril 2021\t\n"
        "\n"
        "c.txt\t\t\t\t\n")
    items = {Path(i.source).name: i for i in read_corpus([tmp_path])}
    a, b, c = items["a.txt"], items["b.txt"], items["c.txt"]
    assert isinstance(a, Article) and isinstance(c, Article)
    assert (a.published_at, a.date_source, a.url, a.title) == (date(2021, 4, 15), "manifest",
                                                               "https://example.org/a", "Remarks on Russia")
    assert (c.published_at, c.url) == (None, None)  # blank cells give nothing
    assert isinstance(b, Failure) and "not a date" in b.reason and "\n" not in b.reason


def test_a_tab_separated_manifest_without_a_file_column_refuses_its_folder(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD)
    (tmp_path / "manifest.tsv").write_text("title\tpublished_date\nA\t2021-01-01\n")
    [failure] = list(read_corpus([tmp_path]))
    assert isinstance(failure, Failure) and failure.source == str(tmp_path / "manifest.tsv")
    assert "no 'file' column" in failure.reason


def test_a_dataset_s_manifest_beside_its_articles_folder_describes_that_folder(tmp_path: Path) -> None:
    articles, other, own = tmp_path / "articles", tmp_path / "other", tmp_path / "own"
    for folder in (articles, other, own):
        folder.mkdir()
        (folder / "a.txt").write_text(GOOD)
    (tmp_path / "MANIFEST.tsv").write_text("file\tpublished_date\na.txt\t2021-04-15\n")
    (own / "manifest.toml").write_text('["a.txt"]\npublished_at = 2022-02-02\n')
    [read] = list(read_corpus([articles]))
    assert isinstance(read, Article) and (read.published_at, read.date_source) == (date(2021, 4, 15), "manifest")
    [mine] = list(read_corpus([own]))  # a folder's own manifest wins
    assert isinstance(mine, Article) and mine.published_at == date(2022, 2, 2)
    (tmp_path / "MANIFEST.tsv").write_text("file\tpublished_date\nb.txt\t2021-04-15\n")
    [unnamed] = list(read_corpus([other]))  # a parent manifest that names none of the folder's files
    assert isinstance(unnamed, Article) and unnamed.date_source != "manifest"
    (tmp_path / "MANIFEST.tsv").write_bytes(b"\xff broken")
    [beside_broken] = list(read_corpus([articles]))  # someone else's broken manifest refuses nothing
    assert isinstance(beside_broken, Article)
