from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.core.errors import InputError
from agent.ingest.cleaning import load_document
from agent.ingest.loading import read_text
from agent.ingest.web import html_to_text

LIMIT = 2**20
SAMPLE = "职业教育活动周在哈尔滨开幕。\n产教融合共同体揭牌，校企合作再上新台阶。\n"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _one_line_error(path: Path, limit: int = LIMIT) -> str:
    with pytest.raises(InputError) as info:
        read_text(path, limit)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_utf8_plain(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.txt", SAMPLE.encode("utf-8"))
    assert read_text(path, LIMIT) == (SAMPLE, "utf-8")


def test_utf8_bom_is_dropped_and_offsets_index_the_bomless_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"))
    text, encoding = read_text(path, LIMIT)
    assert encoding == "utf-8-sig"
    assert text == SAMPLE
    doc = load_document(path)
    assert doc.original == SAMPLE
    assert all(doc.original[o] == c for o, c in zip(doc.offsets, doc.text, strict=True))


@pytest.mark.parametrize("codec", ["gbk", "gb2312", "gb18030"])
def test_gb_family_decodes(tmp_path: Path, codec: str) -> None:
    path = _write(tmp_path, "gb.txt", SAMPLE.encode(codec))
    text, encoding = read_text(path, LIMIT)
    assert text == SAMPLE
    assert encoding == "gb18030"


def test_big5_traditional_decodes(tmp_path: Path) -> None:
    trad = "職業教育活動週在哈爾濱開幕，產教融合共同體揭牌，學校與企業合作再上新臺階。" * 3
    path = _write(tmp_path, "big5.txt", trad.encode("big5"))
    text, _ = read_text(path, LIMIT)
    assert text == trad


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = _write(tmp_path, "u16.txt", SAMPLE.encode("utf-16"))
    assert read_text(path, LIMIT)[0] == SAMPLE


def test_line_endings_are_normalised(tmp_path: Path) -> None:
    path = _write(tmp_path, "crlf.txt", "第一行\r\n第二行\r第三行\n".encode())
    assert read_text(path, LIMIT)[0] == "第一行\n第二行\n第三行\n"


def test_empty_file(tmp_path: Path) -> None:
    assert "empty" in _one_line_error(_write(tmp_path, "e.txt", b""))


def test_whitespace_only_file(tmp_path: Path) -> None:
    assert "empty" in _one_line_error(_write(tmp_path, "w.txt", b" \r\n\t\n"))


def test_binary_png(tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(2048)
    assert "binary" in _one_line_error(_write(tmp_path, "img.txt", data))


def test_binary_random_bytes_without_magic(tmp_path: Path) -> None:
    data = bytes(range(1, 32)) * 200  # control characters, no NUL
    assert "binary" in _one_line_error(_write(tmp_path, "noise.txt", data))


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    data = "正文".encode() + b"\x00\x00\x01" + "正文".encode()
    assert "binary" in _one_line_error(_write(tmp_path, "nul.txt", data))


def test_missing_path(tmp_path: Path) -> None:
    assert "no such file" in _one_line_error(tmp_path / "missing.txt")


def test_directory(tmp_path: Path) -> None:
    assert "directory" in _one_line_error(tmp_path)


def test_too_large(tmp_path: Path) -> None:
    path = _write(tmp_path, "big.txt", SAMPLE.encode("utf-8") * 100)
    message = _one_line_error(path, limit=1024)
    assert "limit" in message and "1.0 KB" in message


def test_html_drops_script_nav_and_keeps_blocks(tmp_path: Path) -> None:
    markup = (
        "<!DOCTYPE html><html><head><title>站点</title><style>p{}</style></head><body>"
        "<header>网站首页</header><nav><a>首页</a> &gt; <a>新闻</a></nav>"
        "<article><h1>职教周开幕</h1><p>第一段<b>加粗</b>内容。</p>"
        "<script>var x = '不应出现';</script><p>第二段<br>换行</p></article>"
        "<footer>版权所有</footer></body></html>"
    )
    path = _write(tmp_path, "page.html", markup.encode("utf-8"))
    doc = load_document(path)
    lines = [ln for ln in doc.original.split("\n") if ln]
    assert lines == ["职教周开幕", "第一段加粗内容。", "第二段", "换行"]
    assert doc.title == "职教周开幕"


def test_html_to_text_keeps_tail_of_dropped_element() -> None:
    assert html_to_text("<p>前<script>x</script>后</p>").strip() == "前后"


def test_gbk_html(tmp_path: Path) -> None:
    markup = '<html><head><meta charset="gbk"></head><body><p>职业教育</p></body></html>'
    path = _write(tmp_path, "gbk.htm", markup.encode("gbk"))
    doc = load_document(path)
    assert doc.original.strip() == "职业教育"
    assert doc.encoding == "gb18030"


def test_folders_reached_through_dotdot_are_expanded(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.ingest.pipeline import expand_paths

    corpus = tmp_path / "shared" / "corpus"
    (corpus / ".cache").mkdir(parents=True)
    (corpus / "a.txt").write_text("职业教育。", encoding="utf-8")
    (corpus / ".hidden.txt").write_text("x", encoding="utf-8")
    (corpus / ".cache" / "b.txt").write_text("x", encoding="utf-8")
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    assert [Path(f).name for f in expand_paths([Path("../shared/corpus")])] == ["a.txt"]
