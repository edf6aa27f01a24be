"""The scorer's rules on gold and predicted rows written for these tests, and `claimtrack eval`'s errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from streams.core.evaluation import GoldError, GoldLine, PredictedClaim, majority, parse_gold, score


def gold(article: str, actor: str, topic: str, stance: str, *, match: list[str] | None = None,
         accept: list[str] | None = None, optional: bool = False) -> GoldLine:
    return GoldLine.model_validate({"article": article, "actor": actor, "match": match or [actor], "topic": topic,
                                    "stance": stance, "accept": accept, "optional": optional})


def claim(article: str, actor: str, topic: str, stance: str, name: str = "") -> PredictedClaim:
    return PredictedClaim(article=article, actor=actor, actor_name=name, topic=topic, stance=stance)


def test_a_found_pair_with_an_accepted_stance_counts_for_both_figures() -> None:
    result = score([gold("a.txt", "petrova", "dialogue", "support")],
                   [claim("a.txt", "petrova", "dialogue", "support")])
    assert (result.overall.pairs.f1, result.overall.strict.f1) == (1.0, 1.0)
    assert result.mistake_lines() == []


def test_optional_lines_are_neither_required_nor_false_positives() -> None:
    lines = [gold("a.txt", "petrova", "dialogue", "support"),
             gold("a.txt", "holm", "dialogue", "oppose", optional=True)]
    without = score(lines, [claim("a.txt", "petrova", "dialogue", "support")])
    with_it = score(lines, [claim("a.txt", "petrova", "dialogue", "support"),
                            claim("a.txt", "holm", "dialogue", "support")])
    for result in (without, with_it):
        assert (result.overall.gold_pairs, result.overall.optional_pairs) == (1, 1)
        assert result.overall.predicted_pairs == 1
        assert result.overall.strict.precision == result.overall.strict.recall == 1.0
        assert not result.misses and not result.extras and not result.wrong_stances


def test_claims_in_a_text_without_gold_lines_are_false_positives() -> None:
    lines = [gold("a.txt", "petrova", "dialogue", "support")]
    claims = [claim("a.txt", "petrova", "dialogue", "support"), claim("quiet.txt", "holm", "dialogue", "support")]
    result = score(lines, claims, articles=["a.txt", "quiet.txt"])
    assert result.overall.predicted_pairs == 2
    assert result.overall.strict.precision == 0.5
    assert [(e.article, e.actor) for e in result.extras] == [("quiet.txt", "holm")]
    # An article neither the gold nor the corpus names is not scored.
    assert score(lines, claims).overall.strict.precision == 1.0


def test_a_pair_takes_its_most_frequent_stance_and_the_first_seen_on_a_tie() -> None:
    assert majority(["conditional", "support", "support"]) == "support"
    assert majority(["oppose", "support", "support", "oppose"]) == "oppose"
    assert majority(["support", "oppose", "oppose", "support"]) == "support"
    line = [gold("a.txt", "petrova", "dialogue", "oppose")]
    tie = ["oppose", "support", "support", "oppose"]
    assert score(line, [claim("a.txt", "petrova", "dialogue", s) for s in tie]).overall.strict.f1 == 1.0
    assert score(line, [claim("a.txt", "petrova", "dialogue", s) for s in tie[1:]]).overall.strict.f1 == 0.0


def test_a_stance_counts_as_strict_only_when_the_line_accepts_it() -> None:
    lines = [gold("a.txt", "petrova", "dialogue", "conditional", accept=["conditional", "support"]),
             gold("a.txt", "petrova", "de_escalation", "conditional")]
    result = score(lines, [claim("a.txt", "petrova", "dialogue", "support"),
                           claim("a.txt", "petrova", "de_escalation", "support")])
    assert result.overall.found_pairs == 2
    assert result.overall.right_stances == 1
    assert [(w.topic, w.stance, w.got) for w in result.wrong_stances] == [("de_escalation", "conditional", "support")]
    assert result.overall.pairs.f1 == 1.0
    assert result.overall.strict.f1 == 0.5


def test_unscored_topics_are_ignored_in_gold_and_predictions() -> None:
    lines = [gold("a.txt", "petrova", "dialogue", "support"), gold("a.txt", "petrova", "ukraine", "oppose")]
    result = score(lines, [claim("a.txt", "petrova", "dialogue", "support"),
                           claim("a.txt", "holm", "arms_control", "support")], articles=["a.txt"])
    assert (result.overall.gold_pairs, result.overall.predicted_pairs) == (1, 1)
    assert result.overall.strict.f1 == 1.0
    assert set(result.topics) == {"dialogue", "de_escalation", "military_contacts"}


def test_figures_per_topic_and_overall() -> None:
    lines = [gold("a.txt", "petrova", "dialogue", "support"), gold("a.txt", "holm", "dialogue", "support"),
             gold("a.txt", "petrova", "military_contacts", "oppose")]
    claims = [claim("a.txt", "petrova", "dialogue", "support"), claim("a.txt", "holm", "dialogue", "oppose"),
              claim("a.txt", "holm", "de_escalation", "support")]
    result = score(lines, claims)
    dialogue, de_escalation, contacts = (result.topics[t] for t in ("dialogue", "de_escalation", "military_contacts"))
    assert (dialogue.pairs.f1, dialogue.strict.precision, dialogue.strict.recall) == (1.0, 0.5, 0.5)
    assert (de_escalation.gold_pairs, de_escalation.predicted_pairs, de_escalation.strict.precision) == (0, 1, 0.0)
    assert (contacts.gold_pairs, contacts.predicted_pairs, contacts.strict.recall) == (1, 0, 0.0)
    assert (result.overall.gold_pairs, result.overall.predicted_pairs, result.overall.right_stances) == (3, 3, 1)
    assert result.overall.strict.precision == pytest.approx(1 / 3)
    assert [m.topic for m in result.misses] == ["military_contacts"]


def test_a_match_entry_is_a_substring_of_the_normalised_actor_id_and_name() -> None:
    line = [gold("a.txt", "holm", "dialogue", "support", match=["secretary general", "holm"])]
    by_name = score(line, [claim("a.txt", "alliance-head", "dialogue", "support", name="Greta Holm")])
    by_id = score(line, [claim("a.txt", "nato_secretary_general", "dialogue", "support")])
    other = score(line, [claim("a.txt", "holmes", "dialogue", "support")])
    unrelated = score(line, [claim("a.txt", "petrova", "dialogue", "support", name="Anna Petrova")])
    assert by_name.overall.strict.f1 == by_id.overall.strict.f1 == other.overall.strict.f1 == 1.0
    assert unrelated.overall.strict.f1 == 0.0
    assert [m.actor for m in unrelated.misses] == ["holm"]
    assert [e.actor for e in unrelated.extras] == ["petrova anna petrova"]


def test_pairs_that_name_one_gold_actor_differently_are_one_pair() -> None:
    line = [gold("a.txt", "holm", "dialogue", "support")]
    result = score(line, [claim("a.txt", "holm", "dialogue", "support", name="Greta Holm"),
                          claim("a.txt", "g-holm", "dialogue", "oppose")])
    assert result.overall.predicted_pairs == 1
    assert not result.extras
    assert result.overall.strict.f1 == 1.0


def test_gold_lines_are_checked_as_they_are_read() -> None:
    good = {"article": "a.txt", "actor": "holm", "match": ["holm"], "topic": "dialogue", "stance": "support"}
    assert len(parse_gold(json.dumps(good) + "\n\n" + json.dumps(good) + "\n")) == 2
    bad_lines = [("{broken", "not JSON"), (json.dumps({**good, "match": ["Holm"]}), "match"),
                 (json.dumps({k: v for k, v in good.items() if k != "stance"}), "stance"),
                 (json.dumps({**good, "stance": "maybe"}), "stance"),
                 (json.dumps({**good, "optinal": True}), "optinal"), (json.dumps({**good, "topic": "dialog"}), "topic")]
    for text, mentioned in bad_lines:
        with pytest.raises(GoldError, match=rf"^g\.jsonl:2: .*{mentioned}"):
            parse_gold(json.dumps(good) + "\n" + text + "\n", "g.jsonl")
    with pytest.raises(GoldError, match="no gold lines"):
        parse_gold("\n", "g.jsonl")


def _eval(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "streams", "eval", *args], cwd=repo, capture_output=True, text=True)


@pytest.mark.parametrize(("content", "mentioned"), [
    (None, "cannot read gold file"),
    ('{"article": "a.txt"\n', ":1: not JSON"),
    ('{"article": "a.txt", "actor": "holm", "topic": "dialogue", "stance": "support"}\n', ":1: match: Field required"),
])
def test_eval_refuses_a_bad_gold_file_in_one_line_with_status_2(repo: Path, tmp_path: Path, content: str | None,
                                                                mentioned: str) -> None:
    path = tmp_path / "gold.jsonl"
    if content is not None:
        path.write_text(content)
    run = _eval(repo, str(path), "seeds")
    assert run.returncode == 2
    assert run.stdout == ""
    [line] = run.stderr.splitlines()
    assert line.startswith("claimtrack: error: ") and mentioned in line


def test_eval_refuses_a_missing_corpus_path_with_status_2(repo: Path) -> None:
    run = _eval(repo, "seeds/gold/claims.jsonl", "no-such-folder")
    assert (run.returncode, run.stderr.strip()) == (2, "claimtrack: error: no such file or directory: no-such-folder")


def test_eval_min_f1_and_json_output(repo: Path, tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"article": "elsewhere.txt", "actor": "holm", "match": ["holm"], "topic": "dialogue",
                                "stance": "support"}) + "\n")
    (tmp_path / "quiet.txt").write_text("A headline for an article\n\nThe weather was mild all week in the city.\n")
    table = _eval(repo, str(path), str(tmp_path / "quiet.txt"), "--min-f1", "0.5")
    assert table.returncode == 1
    assert table.stdout.strip().splitlines()[-1] == "strict_f1=0.000"
    assert "elsewhere.txt" in table.stderr
    as_json = _eval(repo, str(path), str(tmp_path / "quiet.txt"), "--format", "json")
    assert as_json.returncode == 0
    result = json.loads(as_json.stdout)
    assert result["overall"]["gold_pairs"] == 1
    assert [m["article"] for m in result["misses"]] == ["elsewhere.txt"]
