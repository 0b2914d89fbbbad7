"""The one text module (normalisation, dates, similarity) and the word-list loader."""

from __future__ import annotations

from importlib import resources

import pytest

from agent import lexicon
from agent.text import dates
from agent.text.normalize import (
    NormalizedText,
    fold,
    normalise_for_match,
    search_form,
    strip_pinyin_glue,
    to_script,
)
from agent.text.similarity import bigram_jaccard, char_bigrams


def test_pinyin_glue_needs_a_tone_mark() -> None:
    assert strip_pinyin_glue("職業(yè)教育活動(dòng)周") == "職業教育活動周"
    assert strip_pinyin_glue("經濟（jīng jì）") == "經濟"
    assert strip_pinyin_glue("人工智能(AI)与(GDP)") == "人工智能(AI)与(GDP)"


def test_search_form_keeps_length_and_simplifies() -> None:
    text = "職業教育，２０２３年\n產教融合共同體"
    form = search_form(text)
    assert len(form) == len(text)
    assert form == "职业教育,2023年\n产教融合共同体"


def test_match_form_maps_back_to_the_input() -> None:
    norm, index = normalise_for_match("“產教 融合”")
    assert norm == '"产教融合"'
    assert [index[i] for i in (1, 3)] == [1, 4]


def test_fold_is_the_eval_comparison_form() -> None:
    assert fold("職業(yè)教育 活動周") == "职业教育活动周"
    assert to_script("职业教育", "traditional") == "職業教育"


def test_normalized_text_is_computed_once() -> None:
    q = NormalizedText.of("哪所學校牽頭？")
    assert q.script == "traditional" and q.simplified == "哪所学校牵头?"
    assert NormalizedText.of(q) is q
    assert "学校" in q.tokens


def test_partial_dates() -> None:
    assert dates.parse_iso("2023-06-12") == (2023, 6, 12)
    assert dates.parse_iso("--06") == (None, 6, None)
    assert dates.parse_iso("2023-13") is None and dates.parse_iso("6月12日") is None
    assert dates.format_iso(None, 6, 12) == "--06-12"
    assert dates.merge_partial(["--06-12", "2023", None]) == "2023-06-12"
    assert dates.merge_partial(["昨天"]) == "昨天"
    assert dates.compatible("2023-06", "--06-12") and not dates.compatible("2023", "2024-01")
    assert dates.sort_key("2023-01-02") < dates.sort_key("--01-01") < dates.sort_key(None)


def test_bigrams() -> None:
    assert char_bigrams("联盟") == {"联盟"} and char_bigrams("联") == {"联"}
    assert bigram_jaccard("产教联盟", "产教联盟") == 1.0
    assert bigram_jaccard("", "产教") == 0.0


def test_every_word_list_file_loads() -> None:
    names = [p.name[:-5] for p in resources.files("agent.lexicon").iterdir()
             if p.name.endswith(".toml")]
    assert {"cleaning", "extraction", "numbers", "questions", "merge"} <= set(names)
    for name in names:
        assert lexicon.load(name), name


def test_lexicon_lookups_and_errors() -> None:
    assert "学院" in lexicon.words("questions", "words.school_names")
    assert lexicon.table("questions", "role_verbs")["签订"][0] == "签订"
    alternatives = lexicon.alternation("merge", "kind_suffixes").split("|")
    assert alternatives.index("联合体") < alternatives.index("联盟")  # longest first
    with pytest.raises(lexicon.LexiconError):
        lexicon.words("questions", "no_such_key")
    with pytest.raises(lexicon.LexiconError):
        lexicon.load("no_such_file")
    with pytest.raises(lexicon.LexiconError):
        lexicon.words("questions", "role_verbs")  # a table, not a list

