from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.core.tokens import count_tokens
from agent.ingest.chunking import pack, sentences, split_sentences
from agent.ingest.cleaning import load_document

PINYIN = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[)）]")


def test_split_keeps_quotation_together() -> None:
    text = "他说：“我们要做好。大家一起努力！”然后离开了。第二句？"
    spans = [text[s:e] for s, e in split_sentences(text)]
    assert spans == ["他说：“我们要做好。大家一起努力！”然后离开了。", "第二句？"]


def test_an_opening_mark_typed_for_the_closing_one_ends_the_quotation() -> None:
    text = "学院在全省“创新杯“技能大赛中获一等奖。此后举行了校赛。"
    spans = [text[s:e] for s, e in split_sentences(text)]
    assert spans == ["学院在全省“创新杯“技能大赛中获一等奖。", "此后举行了校赛。"]


def test_split_on_line_breaks_and_semicolons() -> None:
    text = "第一段；第二句\n\n  第三段。"
    assert [text[s:e] for s, e in split_sentences(text)] == ["第一段；", "第二句", "第三段。"]


def test_long_sentence_is_split_under_budget() -> None:
    text = "，".join(["职业教育产教融合共同体建设"] * 80) + "。"
    sents = sentences(text, 50, count_tokens)
    assert len(sents) > 1
    assert all(s.tokens <= 50 for s in sents)
    assert "".join(text[s.start : s.end] for s in sents) == text


def test_pack_respects_budget_and_overlap() -> None:
    text = "".join(f"这是第{i}个句子，内容关于职业教育。" for i in range(60))
    sents = sentences(text, 60, count_tokens)
    groups = pack(sents, 60, 15)
    assert len(groups) > 2
    for g in groups:
        assert sum(s.tokens for s in g) <= 60
    covered = {s for g in groups for s in g}
    assert covered == set(sents)
    assert any(groups[i][-1] == groups[i + 1][0] for i in range(len(groups) - 1))


@pytest.mark.parametrize("budget", [120, 350])
def test_seed_chunks_slice_original(seeds: list[Path], budget: int) -> None:
    from agent.ingest.chunking import chunk_document

    for path in seeds:
        doc = load_document(path)
        original = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        chunks = chunk_document(doc, max_tokens=budget, overlap_tokens=30, count=count_tokens)
        assert chunks, path
        for c in chunks:
            assert c.tokens <= budget
            piece = original[c.start : c.end]
            assert piece == doc.original[c.start : c.end]
            # the cleaned chunk text is the original slice with only deletions applied
            kept = "".join(doc.original[doc.offsets[i]] for i in range(c.clean_start, c.clean_end))
            assert kept == c.text
            assert not PINYIN.search(c.text), (path.name, c.text)
        if path.name.startswith("004"):
            joined = "".join(c.text for c in chunks)
            for junk in ("马拉松", "5GETF", "热门文章"):
                assert junk not in joined
