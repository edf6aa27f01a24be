"""Bad input is harmless: extraction never raises and every span indexes the text,
whatever the text."""

from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import Article
from streams.core.corpus import CorpusError, build_article
from streams.core.extraction import extract

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
PIECES = [*" \n\"“”'’–—,.:;?!()", " Grushko ", " said ", " NATO ", " dialogue ", " unless ", " not ", "Q: ",
          "MS. PSAKI: ", " he ", " the diplomat ", " according to ", " talks ",
          " Russian Deputy Foreign Minister Alexander Grushko "]


def check(text: str) -> None:
    article = Article(article_id="a", source="fuzz", title="", text=text, body_start=0,
                      published_at=date(2022, 1, 1), date_source="text")
    for claim in extract(article):
        assert 0 <= claim.span[0] <= claim.span[1] <= len(text)
        assert text[claim.span[0]:claim.span[1]] == claim.evidence
        for span in claim.evidence_spans:
            assert text[span.start:span.end] == span.text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_arbitrary_unicode(text: str) -> None:
    check(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=80).map("".join))
def test_text_made_of_the_words_the_rules_look_for(text: str) -> None:
    check(text)


mutations = st.lists(st.tuples(st.integers(0, 6000), st.integers(0, 40), st.text(max_size=20)), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEED_TEXTS), mutations)
def test_mutated_real_articles(text: str, edits: list[tuple[int, int, str]]) -> None:
    for at, cut, insert in edits:
        at = at % (len(text) + 1)
        text = text[:at] + insert + text[at + cut:]
    check(text)
    try:
        article = build_article(text, "fuzz.txt")
    except CorpusError:
        return  # refused with a reason, which is the other acceptable outcome
    assert article.text == text
