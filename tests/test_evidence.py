"""Quote verification: verbatim only, script/width/whitespace-insensitive, original offsets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.extract.evidence import (
    MIN_QUOTE_CHARS,
    locate_quote,
    normalise_for_match,
    span_contains,
    verify_quotes,
)
from agent.extract.schemas import Evidence
from agent.ingest.documents import Document

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
_GLUE = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")


def make_doc(original: str, doc_id: str = "d1") -> Document:
    """Delete pinyin glue like ``(yè)``; offsets map cleaned chars to the original."""
    removed: set[int] = set()
    for m in _GLUE.finditer(original):
        removed.update(range(m.start(), m.end()))
    offsets = [i for i in range(len(original)) if i not in removed]
    text = "".join(original[i] for i in offsets)
    search = "".join(normalise_for_match(ch)[0][:1] or ch for ch in text)
    return Document(
        doc_id=doc_id, path=f"{doc_id}.txt", original=original, text=text,
        offsets=offsets, search_text=search,
    )


def seed_doc(prefix: str) -> Document:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return make_doc(path.read_text("utf-8"), doc_id=path.stem)


def check(doc: Document, ev: Evidence | None) -> Evidence:
    assert ev is not None
    assert ev.doc_id == doc.doc_id
    assert doc.original[ev.start : ev.end] == ev.quote
    return ev


def test_normalise_maps_back_to_input() -> None:
    s = "職業 教育，“活動”ＡＢ"
    norm, index = normalise_for_match(s)
    assert norm == '职业教育,"活动"ab'
    assert len(index) == len(norm)
    assert [s[i] for i in index][:4] == ["職", "業", "教", "育"]
    assert normalise_for_match("产教，融合：“联盟”", drop_punct=True)[0] == "产教融合联盟"
    assert normalise_for_match("3.19亿元，50%", drop_punct=True)[0] == "3.19亿元50%"


def test_simplified_quote_matches_traditional_seed() -> None:
    doc = seed_doc("002")
    quote = "中原经济区技工教育联盟成立大会在冀南技师学院举办"
    ev = check(doc, locate_quote(doc, quote))
    assert ev.quote == (
        "中原經(jīng)濟(jì)區(qū)技工教育聯(lián)盟成立大會(huì)在冀南技師學(xué)院舉辦"
    )
    assert doc.original.index(ev.quote) == ev.start


def test_pinyin_glued_original_matched_by_cleaned_quote() -> None:
    doc = make_doc("今年職業(yè)教育活動(dòng)周開幕")
    assert doc.text == "今年職業教育活動周開幕"
    ev = check(doc, locate_quote(doc, "职业教育活动周"))
    assert ev.quote == "職業(yè)教育活動(dòng)周"
    assert (ev.start, ev.end) == (2, 19)
    # a quote copied from the original with the glue also matches
    ev2 = check(doc, locate_quote(doc, "職業(yè)教育活動(dòng)周"))
    assert (ev2.start, ev2.end) == (ev.start, ev.end)


def test_width_and_whitespace_ignored() -> None:
    doc = make_doc("到2025年，建成10个市域产教联合体。")
    ev = check(doc, locate_quote(doc, "到２０２５年, 建成 10个市域\n产教联合体"))
    assert ev.quote == "到2025年，建成10个市域产教联合体"
    ev = check(doc, locate_quote(doc, "建成10个“市域产教联合体”"))  # added quote marks
    assert ev.quote == "建成10个市域产教联合体"


def test_paraphrase_and_changed_numbers_rejected() -> None:
    doc = seed_doc("002")
    assert locate_quote(doc, "中原经济区技工教育联盟在冀南技师学院成立") is None
    assert locate_quote(doc, "中原经济区技工教育联盟成立大会在邯郸技师学院举办") is None
    num = make_doc("共为全市中职学校投入资金3.19亿元。")
    assert locate_quote(num, "投入资金319亿元") is None
    assert locate_quote(num, "投入资金3.19亿元") is not None


def test_short_quote_rejected() -> None:
    doc = make_doc("联盟成立大会召开")
    assert MIN_QUOTE_CHARS == 4
    assert locate_quote(doc, "联盟成") is None
    assert locate_quote(doc, "“联盟成”") is None
    assert locate_quote(doc, "联盟成立") is not None


def test_ellipsis_quote() -> None:
    doc = seed_doc("002")
    ev = check(doc, locate_quote(doc, "…中原经济区技工教育联盟成立大会在冀南技师学院举办…"))
    assert ev.quote.startswith("中原經(jīng)濟(jì)區(qū)")
    ev = check(doc, locate_quote(doc, "中原经济区技工教育联盟成立大会……邯郸市人力资源和社会保障局"))
    assert ev.quote.startswith("中原經(jīng)濟(jì)區(qū)技工教育聯(lián)盟成立大會(huì)")
    assert ev.quote.endswith("邯鄲市人力資源和社會(huì)保障局")
    # parts out of order do not match
    assert locate_quote(doc, "邯郸市人力资源和社会保障局…中原经济区技工教育联盟成立大会") is None
    # a too-short part is rejected
    assert locate_quote(doc, "中原经济区技工教育联盟成立大会…举办") is None


def test_within_restricts_and_picks_first_inside() -> None:
    text = "甲乙联盟成立大会召开。丙丁。联盟成立大会召开。"
    doc = make_doc(text)
    first = check(doc, locate_quote(doc, "联盟成立大会召开"))
    assert first.start == 2
    second = check(doc, locate_quote(doc, "联盟成立大会召开", within=(10, len(text))))
    assert second.start == text.index("联盟成立大会召开", 10)
    assert locate_quote(doc, "甲乙联盟成立", within=(5, len(text))) is None
    # window partially covering the quote does not match
    assert locate_quote(doc, "联盟成立大会召开", within=(0, 6)) is None


def test_verify_quotes_reports_errors() -> None:
    doc = seed_doc("002")
    ok, errors = verify_quotes(
        doc,
        [
            "中原经济区技工教育联盟成立大会在冀南技师学院举办",
            "中原经济区技工教育联盟成立大会在冀南技师学院举办",  # duplicate
            "联盟在邯郸成立了",
            "联盟",
        ],
    )
    assert len(ok) == 1
    assert len(errors) == 2
    assert errors[0].startswith("引文未在原文中找到（必须逐字复制")
    assert '"联盟在邯郸成立了"' in errors[0]
    assert "引文过短" in errors[1]
    _, errs = verify_quotes(doc, ["中原经济区技工教育联盟成立大会"], within=(500, 600))
    assert "不在所给文本片段中" in errs[0]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_evidence_invariant_on_seed_sentences(prefix: str) -> None:
    doc = seed_doc(prefix)
    # every 25-char slice of the cleaned text, quoted in simplified form, maps back exactly
    for start in range(0, min(len(doc.text), 1500), 97):
        piece = doc.text[start : start + 25]
        if len(normalise_for_match(piece)[0]) < MIN_QUOTE_CHARS:
            continue
        simplified = normalise_for_match(piece)[0]
        ev = check(doc, locate_quote(doc, simplified))
        assert ev.start <= doc.offsets[start]


def test_span_contains() -> None:
    doc = seed_doc("002")
    ev = check(doc, locate_quote(doc, "中原经济区技工教育联盟成立大会在冀南技师学院举办"))
    assert span_contains(doc, ev, "中原經濟區技工教育聯盟")
    assert span_contains(doc, ev, "冀南技师学院")
    assert span_contains(doc, ev, "“中原经济区技工教育联盟”")
    assert not span_contains(doc, ev, "邯郸技师学院")
    assert not span_contains(doc, ev, "")
    num = make_doc("近三年，共为全市中职学校投入资金3.19亿元。")
    ev2 = check(num, locate_quote(num, "共为全市中职学校投入资金3.19亿元"))
    assert span_contains(num, ev2, "3.19亿元")
    assert not span_contains(num, ev2, "319亿元")
