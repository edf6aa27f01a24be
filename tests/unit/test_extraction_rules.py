"""Each extraction rule on sentences written for these tests (none from the seeds),
with the cases where a rule must not fire."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Article, Stance
from schemas.ids import article_id_for
from streams.core.extraction import combine, extract
from streams.core.extraction.text import _FURNITURE, is_furniture


def claims_of(text: str, published: date | None = date(2023, 3, 14)) -> dict[tuple[str, str], str]:
    article = Article(article_id=article_id_for(text), source="t.txt", title="", text=text, body_start=0,
                      published_at=published, date_source="text" if published else "unknown")
    return {(c.actor_id, c.topic.value): c.stance.value for c in extract(article)}


# --- who speaks -------------------------------------------------------------------------------
def test_direct_quote_attributed_after_it() -> None:
    text = '"We remain ready for dialogue with Moscow," Jens Stoltenberg said on Friday.'
    assert claims_of(text) == {("stoltenberg", "dialogue"): "support"}


def test_reported_speech_with_that() -> None:
    text = "Sergei Ryabkov told reporters that Moscow is open to talks on risk reduction."
    assert claims_of(text)[("ryabkov", "de_escalation")] == "support"


def test_according_to() -> None:
    text = "According to Lavrov, the West must stop arming Kyiv before any de-escalation can begin."
    assert claims_of(text) == {("lavrov", "de_escalation"): "conditional"}


def test_quote_over_several_sentences_belongs_to_its_closing_attribution() -> None:
    text = ('"The channels were cut a long time ago. We want to restore military-to-military contacts '
            'as soon as possible," Sergei Shoigu said.')
    assert claims_of(text) == {("shoigu", "military_contacts"): "support"}


def test_back_reference_resolves_to_most_recent_compatible_actor() -> None:
    text = ("Dmitry Peskov spoke to journalists in Moscow on Monday.\n"
            "The Kremlin official added that a meeting for the sake of a meeting makes little sense.")
    assert claims_of(text) == {("peskov", "dialogue"): "conditional"}


def test_pronoun_follows_the_last_named_person() -> None:
    text = ("Antony Blinken met his counterparts in Brussels.\n"
            "He said that Washington supports keeping diplomatic channels open.")
    assert claims_of(text) == {("blinken", "dialogue"): "support"}


def test_role_appositive_discovers_an_unregistered_speaker_and_side() -> None:
    text = "Polish Foreign Minister Zbigniew Rau said that the alliance welcomes talks with Russia."
    found = extract(Article(article_id="a", source="t", title="", text=text, body_start=0,
                            published_at=date(2022, 1, 5), date_source="text"))
    assert [(c.actor_id, c.actor_name, c.side.value, c.topic.value) for c in found] == [
        ("zbigniew-rau", "Zbigniew Rau", "nato", "dialogue")]


def test_a_bare_title_resolves_by_the_article_date() -> None:
    text = "The NATO Secretary General said the allies support dialogue with Russia."
    assert ("stoltenberg", "dialogue") in claims_of(text, date(2019, 5, 1))
    assert ("rutte", "dialogue") in claims_of(text, date(2025, 5, 1))


def test_institutions_speak_as_one() -> None:
    text = "The Russian Foreign Ministry stressed that talks are possible only if NATO withdraws its forces."
    # The withdrawal it sets as a condition is something it wants: de-escalation.
    assert claims_of(text) == {("russian-foreign-ministry", "dialogue"): "conditional",
                               ("russian-foreign-ministry", "de_escalation"): "support"}


def test_transcript_labels_attribute_and_questions_are_skipped() -> None:
    text = ("Q: Will you support talks with Russia next week?\n"
            "MS. PSAKI: We believe diplomacy is the best path forward, and we remain open to talks.\n")
    assert claims_of(text, date(2022, 1, 20)) == {("psaki", "dialogue"): "support"}


# --- what is not a claim --------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "The NATO-Russia Council met in Brussels on Wednesday for four hours.",  # bare event report
        "Analysts say that dialogue between Moscow and the alliance remains frozen.",  # nobody registered
        "Will Sergei Lavrov support talks with NATO? Reporters asked the question repeatedly.",  # a question
        "Dialogue is the only way forward, the newspaper wrote in its editorial.",  # a journalist's framing
    ],
)
def test_no_claim_without_a_named_speaker_taking_a_stance(text: str) -> None:
    assert claims_of(text) == {}


def test_a_speaker_without_a_stance_cue_makes_no_claim() -> None:
    assert claims_of("Jens Stoltenberg said the talks lasted four hours.") == {}


# --- stances ------------------------------------------------------------------------------------
def test_negated_opposition_is_support() -> None:
    assert claims_of("Sergey Lavrov said Moscow is not against dialogue with Washington.") == {
        ("lavrov", "dialogue"): "support"}


def test_negated_support_is_opposition() -> None:
    assert claims_of("Sergey Lavrov said Moscow is not ready for talks with the alliance.") == {
        ("lavrov", "dialogue"): "oppose"}


@pytest.mark.parametrize(
    "clause",
    [
        "talks can resume only if the alliance withdraws its troops",
        "talks are hardly possible under the current circumstances",
        "it is unrealistic to expect negotiations before the elections",
        "dialogue is a two-way street",
        "a meeting for the sake of a meeting is pointless",
    ],
)
def test_conditions_and_hedges_make_it_conditional(clause: str) -> None:
    claims = claims_of(f"Maria Zakharova said that {clause}.")
    assert claims[("zakharova", "dialogue")] == "conditional"
    assert {actor for actor, _ in claims} == {"zakharova"}


def test_outright_rejection_is_opposition() -> None:
    assert claims_of('"We reject any talks on this platform," Maria Zakharova said.') == {
        ("zakharova", "dialogue"): "oppose"}


def test_the_other_camps_rejection_is_the_speakers_complaint() -> None:
    text = "Sergei Ryabkov said that the military channels were cut by the alliance years ago."
    assert claims_of(text) == {("ryabkov", "military_contacts"): "support"}


def test_a_condition_the_speaker_sets_is_something_the_speaker_wants() -> None:
    text = ("Sergei Ryabkov said de-escalation talks can hardly succeed unless Washington agrees to restore "
            "military channels.")
    found = claims_of(text)
    assert found[("ryabkov", "military_contacts")] == "support"
    assert found[("ryabkov", "de_escalation")] == "conditional"


def test_the_other_camps_wish_is_not_the_speakers_support() -> None:
    text = "Sergey Lavrov said NATO wanted talks on Ukraine, but such talks were pointless."
    assert claims_of(text) == {("lavrov", "dialogue"): "oppose"}


def test_article_stance_is_the_most_qualified() -> None:
    assert combine([Stance.SUPPORT, Stance.CONDITIONAL]) is Stance.CONDITIONAL
    assert combine([Stance.SUPPORT, Stance.OPPOSE]) is Stance.CONDITIONAL
    assert combine([Stance.OPPOSE, Stance.OPPOSE]) is Stance.OPPOSE
    assert combine([Stance.SUPPORT]) is Stance.SUPPORT


def test_one_hedge_among_many_plain_statements_is_outweighed() -> None:
    assert combine([Stance.SUPPORT] * 3 + [Stance.CONDITIONAL]) is Stance.SUPPORT
    assert combine([Stance.SUPPORT] * 2 + [Stance.CONDITIONAL]) is Stance.CONDITIONAL
    assert combine([Stance.SUPPORT] * 3 + [Stance.OPPOSE]) is Stance.SUPPORT
    assert combine([Stance.OPPOSE] * 2 + [Stance.SUPPORT]) is Stance.OPPOSE
    assert combine([Stance.CONDITIONAL]) is Stance.CONDITIONAL


# --- furniture and dates --------------------------------------------------------------------------
def test_page_furniture_is_not_read() -> None:
    text = ("Advertisement\nShare on Facebook\n"
            "Trending\nSergey Lavrov says talks are welcome\n5 minutes ago\n")
    assert claims_of(text) == {}


_PIECES = ["Advertisement", "all news", "Back to top", "Share", "share on twitter", "Google + Share", "Trending",
           "Related:", "Read more:", "12 minutes ago", "Photo:", "FILE PHOTO :", "©", "photo by", "photograph by",
           "Reported by", "Updated", "Published", "2022", "IST", "Follow us", "Subscribe", "Sign up", "Click here",
           "machine translation", "automatically translated", "/TASS", "/ Reuters", "Not all news on the site",
           "Sergey Lavrov said Moscow", "supports dialogue", "with NATO.", "ſhare on facebook", "  ", "\t", "\u00a0",
           "x" * 70]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6), st.lists(st.sampled_from([" ", "", "  "]),
                                                                             min_size=6, max_size=6))
def test_the_quick_no_on_long_lines_agrees_with_the_furniture_pattern(pieces: list[str], gaps: list[str]) -> None:
    line = "".join(p + g for p, g in zip(pieces, gaps, strict=False))
    assert is_furniture(line) == (_FURNITURE.match(line) is not None)


def test_unknown_date_is_said_not_invented() -> None:
    text = "Sergey Lavrov said Moscow supports dialogue with NATO."
    article = Article(article_id="a", source="t", title="", text=text, body_start=0)
    [claim] = extract(article)
    assert claim.published_at is None and claim.date_known is False


# --- attribution details ------------------------------------------------------------------------
def test_time_place_and_audience_between_verb_and_clause_are_skipped() -> None:
    text = "Lloyd Austin said on Thursday the Pentagon was ready to restore military channels with Moscow."
    assert claims_of(text) == {("austin", "military_contacts"): "support"}


def test_a_trailing_occasion_leaves_the_quote_before_it_as_the_content() -> None:
    text = '"We support a peaceful settlement," Sergey Lavrov told a news conference after the talks.'
    assert claims_of(text) == {("lavrov", "de_escalation"): "support"}


def test_a_parenthetical_between_subject_and_verb() -> None:
    text = "Wendy Sherman, who led the delegation in Vienna, said Washington backs talks on risk reduction."
    assert claims_of(text, date(2022, 1, 10)) == {("sherman", "dialogue"): "support",
                                                  ("sherman", "de_escalation"): "support"}


def test_a_description_with_modifiers_refers_back_by_side() -> None:
    text = ("Sergey Lavrov and Antony Blinken met in Geneva.\n"
            "According to the top Russian diplomat, further meetings make no sense.")
    assert claims_of(text, date(2022, 1, 21)) == {("lavrov", "dialogue"): "oppose"}


def test_the_subject_of_a_clause_is_its_agent_not_a_later_party() -> None:
    text = "Ned Price said that our hotline with the Russian military remains open."
    assert claims_of(text, date(2022, 3, 1)) == {("price", "military_contacts"): "support"}


def test_a_dateline_before_the_speaker_is_not_the_speakers_words() -> None:
    text = "VIENNA, Feb 3 (Agency) - Sergei Ryabkov said on Thursday that Moscow rejects any talks on this basis."
    found = extract(Article(article_id="a", source="t", title="", text=text, body_start=0,
                            published_at=date(2022, 2, 3), date_source="text"))
    assert [(c.actor_id, c.topic.value, c.stance.value) for c in found] == [("ryabkov", "dialogue", "oppose")]
    assert found[0].evidence == text


@pytest.mark.parametrize("furniture", ["UP: Man held after night raid in a northern district",
                                       "READ MORE: Markets fall as talks stall"])
def test_a_page_furniture_label_starts_no_transcript(furniture: str) -> None:
    text = (f"{furniture}\n\n"
            "Sergei Ryabkov told reporters that Moscow is open to talks on risk reduction.\n")
    claims = claims_of(text)
    assert claims and {actor for actor, _ in claims} == {"ryabkov"}


def test_an_unknown_person_s_turn_is_nobody_s_claim() -> None:
    # Reporters and guests at a news conference are neither registered nor introduced by title.
    text = "ANNA PETROVA: We remain open to talks with the alliance.\n"
    assert claims_of(text) == {}


def test_inline_turns_run_until_the_next_label_and_a_titled_label_names_a_new_speaker() -> None:
    text = ("The leaders met the press. Ivan Sidorov: Are you ready for talks with the alliance? "
            "President of Ruritania Anton Belov: We are ready for dialogue with NATO. "
            "Ivan Sidorov: We also want talks.\n")
    assert claims_of(text) == {("anton-belov", "dialogue"): "support"}


def test_transcript_label_with_a_bare_title_is_the_principal_of_the_text_s_office() -> None:
    text = ("East Room\n\n2:10 P.M. EST\n\n"
            "THE PRESIDENT:  Good afternoon.  We are prepared to continue talks if Russia is serious.\n\n"
            "Q    Will you call him?\n\n"
            "THE PRESIDENT:  Yes.\n")
    assert claims_of(text, date(2022, 2, 7)) == {("biden", "dialogue"): "conditional"}


def test_a_bare_title_inside_a_turn_is_reported_speech_of_the_principal() -> None:
    text = ("James S. Brady Press Briefing Room\n\n1:02 P.M. EST\n\n"
            "MS. PSAKI:  The President made clear that diplomacy is the best way forward.\n")
    assert claims_of(text, date(2021, 12, 7)) == {("biden", "dialogue"): "support"}


def test_joint_subjects_of_a_readout_are_every_participant() -> None:
    text = ("Vladimir Putin had a telephone conversation with President of Finland Sauli Niinistö.\n\n"
            "The leaders agreed to continue contacts at various levels.")
    assert claims_of(text, date(2021, 12, 14)) == {("putin", "dialogue"): "support",
                                                   ("niinisto", "dialogue"): "support"}


def test_a_passive_report_in_a_readout_is_the_principal_s() -> None:
    text = ("Vladimir Putin had a telephone conversation with Prime Minister of Ruritania Karl Marek.\n\n"
            "It was noted that Russia remains open to negotiations.")
    assert claims_of(text, date(2022, 3, 1)) == {("putin", "dialogue"): "support"}


def test_a_question_states_no_position() -> None:
    text = 'Sergei Lavrov asked reporters: "Is the alliance ready for talks at all?"'
    assert claims_of(text) == {}


def test_a_hand_wrapped_paragraph_is_read_as_one() -> None:
    lines = ["The briefing went on for an hour and covered many other subjects today.",
             "Antony Blinken said that the United States remains ready for dialogue",
             "with Moscow on strategic stability, and the talks will go on next week.",
             "Reporters asked about the schedule, which was not yet set in stone.",
             "Officials said more details would follow in a statement later on."]
    found = extract(Article(article_id="w", source="t", title="", text="\n".join(lines), body_start=0,
                            published_at=date(2022, 1, 5), date_source="text"))
    assert [(c.actor_id, c.topic.value, c.stance.value) for c in found] == [("blinken", "dialogue", "support")]
    assert "\n" in found[0].evidence  # one sentence over two lines


def test_avoiding_escalation_is_support_for_de_escalation() -> None:
    text = "Jens Stoltenberg said the allies have no intention of escalating the conflict."
    assert claims_of(text) == {("stoltenberg", "de_escalation"): "support"}


def test_an_undated_text_reads_titles_by_the_holder_it_names() -> None:
    text = ("NATO Secretary General Jens Stoltenberg spoke in Brussels.\n"
            "The NATO Secretary General said that the alliance remains ready for talks in 2030.")
    assert claims_of(text, None) == {("stoltenberg", "dialogue"): "support"}


def test_an_undated_text_reads_titles_by_the_year_it_names_deadlines_aside() -> None:
    turn = ("THE PRESIDENT:  We stand ready to negotiate a new framework with Russia, to be in place "
            "{when} at the latest.\n\nQ    Thank you.\n")
    for when, holder in (("in 2022", "biden"), ("by 2030", None), ("before the treaty expires in 2026", None),
                         ("for the post-2026 era", None)):
        claims = claims_of("East Room\n\n" + turn.format(when=when), None)
        assert claims == ({(holder, "dialogue"): "support"} if holder else {}), when


def _claims_titled(title: str, body: str) -> dict[tuple[str, str], str]:
    article = Article(article_id=article_id_for(body), source="t.txt", title=title, text=body, body_start=0,
                      published_at=date(2023, 3, 14), date_source="text")
    return {(c.actor_id, c.topic.value): c.stance.value for c in extract(article)}


SPEECH = ("Thank you all for coming this morning.\n\n"
          "The United States is ready to engage Russia on arms control and to resume strategic stability talks.\n\n"
          "As the Russian foreign minister put it, \u201cwe reject any talks with NATO.\u201d\n")


def test_the_unquoted_words_of_a_speech_are_its_author_s_whom_the_title_names() -> None:
    title = "Remarks by National Security Advisor Jake Sullivan at the Annual Forum"
    article = Article(article_id=article_id_for(SPEECH), source="t.txt", title=title, text=SPEECH, body_start=0,
                      published_at=date(2023, 3, 14), date_source="text")
    [claim] = [c for c in extract(article) if (c.actor_id, c.topic.value) == ("sullivan", "dialogue")]
    assert claim.stance.value == "support"
    assert all("reject" not in span.text for span in claim.evidence_spans)  # the quote he cites is not his
    assert _claims_titled("Remarks by President Biden and Chancellor Scholz at Press Conference", SPEECH).get(
        ("sullivan", "dialogue")) is None  # two speakers: no author


def test_a_headline_about_a_statement_names_no_author() -> None:
    for title in ("Putin statement on talks sparks concern", "Putin Statement On Talks Sparks Concern",
                  "Talks resume in Geneva"):
        assert ("putin", "dialogue") not in _claims_titled(title, SPEECH), title


def test_a_sentence_citing_an_unknown_person_s_words_is_not_the_last_speaker_s() -> None:
    text = ("Alexander Grushko said Moscow remains open to talks with the alliance.\n\n"
            "As one diplomat in Brussels put it, \u201cwe will hold talks only if the troops are withdrawn.\u201d\n")
    assert claims_of(text) == {("grushko", "dialogue"): "support"}
