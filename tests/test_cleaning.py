from __future__ import annotations

import hashlib
import re
from itertools import pairwise
from pathlib import Path

import pytest

from agent.core.errors import InputError
from agent.ingest.cleaning import (
    clean,
    detect_script,
    document_from_text,
    find_mojibake,
    load_document,
    search_form,
)
from agent.ingest.documents import Document

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "news"
TONED_PINYIN_IN_PARENS = re.compile(
    r"[\(（][a-zü ]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü ]*[\)）]"
)
LINK_MARKERS = ("相关阅读", "热门文章", "最新文章", "相关新闻", "推荐阅读", "延伸阅读")


def seed(prefix: str) -> Document:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return load_document(path)


def assert_deletion_only(original: str, text: str, offsets: list[int]) -> None:
    assert len(offsets) == len(text)
    assert all(original[o] == c for o, c in zip(offsets, text, strict=True))
    assert all(a < b for a, b in pairwise(offsets))


# --------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_invariants(prefix: str) -> None:
    doc = seed(prefix)
    assert_deletion_only(doc.original, doc.text, doc.offsets)
    assert len(doc.search_text) == len(doc.text)
    assert not TONED_PINYIN_IN_PARENS.search(doc.text)
    assert doc.text == doc.text.strip()
    assert "\n\n" not in doc.text
    assert not re.search(r"^[ \u3000]", doc.text, re.MULTILINE)
    assert len(doc.doc_id) == 12 and len(doc.content_hash) == 64


@pytest.mark.parametrize(
    ("prefix", "script"),
    [
        ("000", "traditional"),
        ("002", "traditional"),
        ("003", "traditional"),
        ("001", "simplified"),
        ("004", "simplified"),
    ],
)
def test_seed_script(prefix: str, script: str) -> None:
    assert seed(prefix).script == script


def test_seed_004_navigation_and_link_lists_removed() -> None:
    doc = seed("004")
    for gone in ("马拉松", "5GETF", "热门文章", "相关阅读", "最新文章", "当前位置", "服务粉丝"):
        assert gone not in doc.text, gone
    assert "共育联盟成立大会" in doc.title
    assert doc.text.startswith(doc.title)
    assert doc.text.endswith("该活动相关负责人表示。")
    assert any(s.reason == "link-list" and s.end == len(doc.original) for s in doc.removed)


def test_seed_001_counters_and_trailing_search_removed() -> None:
    doc = seed("001")
    for gone in ("浏览次数", "返回列表", "新闻中心News"):
        assert gone not in doc.text
    assert not doc.text.endswith("搜索")
    assert doc.published == "2024-05-17"
    assert "2024-05-17 22:51:08" not in doc.text
    assert "“哈尔滨样板”" in doc.title


def test_seed_real_parentheses_kept() -> None:
    assert "(資料圖)" in seed("000").text
    assert "縣(市)" in seed("003").text
    assert "(草案)" in seed("002").text
    assert "(一)" in seed("003").text


def test_seed_mojibake_flagged_and_kept() -> None:
    for prefix, fragment in (("000", "??茖W"), ("003", "?guī)欤_")):
        doc = seed(prefix)
        start = doc.original.index(fragment)
        assert doc.has_mojibake(start, start + len(fragment))
        assert fragment.replace("(", "")[:2] in doc.text
    assert not seed("002").mojibake
    assert not seed("004").mojibake


def test_seed_credit_trailers_removed() -> None:
    assert "編輯/" not in seed("003").text
    assert "梁瀟/文" not in seed("000").text


def test_seed_published_not_taken_from_body() -> None:
    for prefix in ("000", "002", "003", "004"):
        assert seed(prefix).published is None


def test_seed_search_text_is_simplified() -> None:
    doc = seed("002")
    assert "聯盟" in doc.text and "联盟" in doc.search_text
    assert detect_script(doc.search_text) == "simplified"


# --------------------------------------------------------------------------- rules


def test_pinyin_only_after_cjk_and_only_tone_marked() -> None:
    original = "職業(yè)教育活動（dòng）周,縣(市)與(草案)及(515050)和（一）還有(dong)和A(yè)"
    result = clean(original)
    assert result.text == "職業教育活動周,縣(市)與(草案)及(515050)和（一）還有(dong)和A(yè)"
    assert [s.reason for s in result.removed] == ["pinyin", "pinyin"]


def test_multi_syllable_pinyin() -> None:
    assert clean("專業(zhuānyè)人才").text == "專業人才"


def test_whitespace_collapsed_by_deletion() -> None:
    original = "\n\n标题\n\n\n  　第一段  有  空格。  \n\n\n\u3000\u3000第二段。\n\n"
    result = clean(original)
    assert result.text == "标题\n第一段 有 空格。\n第二段。"
    assert_deletion_only(original, result.text, result.offsets)


def test_link_list_marker_cuts_everything_after() -> None:
    original = "标题行\n正文第一段讲职业教育。\n推荐阅读：\n• 其他文章\n正文不应保留。"
    result = clean(original)
    assert result.text == "标题行\n正文第一段讲职业教育。"
    assert result.removed[-1].reason == "link-list"


def test_marker_word_inside_a_sentence_is_kept() -> None:
    original = "标题行\n请在相关新闻中查看详细内容。\n第二段。"
    assert clean(original).text == original


def test_header_boilerplate_and_byline_date() -> None:
    original = (
        "欢迎访问\n学院新闻 News\n首页 > 新闻动态 > 校园要闻\n"
        "学院举办技能大赛\n发布时间：2023年11月10日  来源：教务处  点击：128\n"
        "本次大赛共有三百名学生参加，到2025年将扩大到一千人。\n"
        "上一篇：学院召开工作会议\n（记者 张三/文 李四 摄）"
    )
    result = clean(original)
    assert result.text == "学院举办技能大赛\n本次大赛共有三百名学生参加，到2025年将扩大到一千人。"
    assert result.title == "学院举办技能大赛"
    assert result.published == "2023-11-10"
    reasons = {s.reason for s in result.removed}
    assert {"slogan", "section-header", "navigation", "byline", "credit"} <= reasons


def test_body_dates_are_not_publication_dates() -> None:
    original = "职教周开幕\n2023年5月10日，职教周在全市启动，到2025年建成十个基地。"
    assert clean(original).published is None


def test_short_lines_in_body_are_kept() -> None:
    original = "职业教育新闻\n第一段内容很长很长，讲述了职业教育的发展。\n（一）加强领导\n第二段。"
    assert clean(original).text == original


def test_title_fallback_to_first_clause() -> None:
    original = "(资料图)\n本报讯 职业教育活动周于昨日开幕，全市二十所职业院校的师生参加了开幕式。"
    assert clean(original).title == "本报讯 职业教育活动周于昨日开幕"


def test_search_form_same_length_and_half_width() -> None:
    text = "職業教育ＡＢＣ１２３，發展"
    form = search_form(text)
    assert len(form) == len(text)
    assert form.startswith("职业教育ABC123")
    assert form.endswith("发展")


def test_detect_script() -> None:
    assert detect_script("職業教育與產業發展") == "traditional"
    assert detect_script("职业教育与产业发展") == "simplified"
    assert detect_script("職業教育與產業發展职业教育与产业发展") == "mixed"
    assert detect_script("hello world") == "unknown"


def test_mojibake_detection() -> None:
    assert find_mojibake("高等??茖W校") and find_mojibake("乱码\ufffd\ufffd文字")
    assert find_mojibake("é‡‘èž\u008d数据")
    assert not find_mojibake("你知道吗?我们明天去。")
    assert not find_mojibake("职业教育如何发展?\n答案如下。")
    assert not find_mojibake("见 https://example.com/a?b=1 页面")


def test_document_from_text_matches_load_document() -> None:
    loaded = seed("002")
    rebuilt = document_from_text(loaded.original, path=loaded.path, doc_id=loaded.doc_id)
    assert rebuilt == loaded
    assert document_from_text("标题\n正文。", path="x.txt").doc_id == loaded_id("x.txt")


def loaded_id(path: str) -> str:
    return hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:12]


def test_boilerplate_only_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "nav.txt"
    path.write_text("当前位置：首页 > 新闻\n返回列表\n", encoding="utf-8")
    with pytest.raises(InputError, match="no text left"):
        load_document(path)


def test_empty_and_boilerplate_only_input() -> None:
    assert clean("").text == ""
    assert clean("  \n\n").text == ""


# --------------------------------------------------------------------------- real news


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared news corpus not present")
def test_corpus_news_loses_little() -> None:
    files = sorted(CORPUS.glob("*.txt"))
    assert files
    for path in files:
        doc = load_document(path)
        assert_deletion_only(doc.original, doc.text, doc.offsets)
        assert len(doc.search_text) == len(doc.text)
        assert doc.title
        kept = len(re.sub(r"\s", "", doc.text)) / len(re.sub(r"\s", "", doc.original))
        if not any(m in doc.original for m in LINK_MARKERS):
            assert kept > 0.95, (path.name, kept)


@pytest.mark.parametrize(
    ("original", "published", "text"),
    [
        ("2023-08-16 13:17，正文：教育厅召开会议。", "2023-08-16", "教育厅召开会议。"),
        ("2023-07-20 09:56:09，正文：会议召开。", "2023-07-20", "会议召开。"),
        ("23-07-29 05:23，正文：会议召开。", "2023-07-29", "会议召开。"),
        ("202307/27 17:05:55，正文：会议召开。", "2023-07-27", "会议召开。"),
        ("7-18 12:22，正文：会议召开。", "--07-18", "会议召开。"),
        ("，正文：会议召开。", None, "会议召开。"),
        # a date that opens the story is content, not a stamp
        ("2023年7月15日，记者从市教育局获悉，会议召开。", None,
         "2023年7月15日，记者从市教育局获悉，会议召开。"),
    ],
)
def test_a_leading_crawl_stamp_dates_the_document(
    original: str, published: str | None, text: str
) -> None:
    doc = document_from_text(original, path="x.txt")
    assert doc.published == published
    assert doc.text == text
    assert all(doc.original[o] == ch for o, ch in zip(doc.offsets, doc.text, strict=True))
