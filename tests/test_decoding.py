"""Damaged UTF-8 and UTF-16 without a byte-order mark are read, not rejected as binary."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from agent.cli.app import main
from agent.core.errors import InputError
from agent.ingest.cleaning import load_document
from agent.ingest.loading import read_text

LIMIT = 2**20
SAMPLE = "职业教育活动周在哈尔滨开幕。\n产教融合共同体揭牌，校企合作再上新台阶。\n"
LONG = SAMPLE * 6
CUT = len("职业教育活动周在哈尔滨开幕。\n产教融合")  # a character boundary mid-text


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "agent.ingest.loading" and r.levelno == logging.WARNING]


def _damaged(kind: str) -> tuple[bytes, str]:
    """UTF-8 bytes with one defect, and the text expected back (U+FFFD at the defect)."""
    head, tail = LONG[:CUT].encode(), LONG[CUT:].encode()
    if kind == "0xff":
        return head + b"\xff" + tail, LONG[:CUT] + "\ufffd" + LONG[CUT:]
    if kind == "stray 0x80":
        return head + b"\x80" + tail, LONG[:CUT] + "\ufffd" + LONG[CUT:]
    data = (LONG + "育").encode()[:-1]  # the last character lost its final byte
    return data, LONG + "\ufffd"


@pytest.mark.parametrize("kind", ["0xff", "stray 0x80", "truncated end"])
def test_one_bad_byte_keeps_the_document_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    data, expected = _damaged(kind)
    path = _write(tmp_path, "damaged.txt", data)
    with caplog.at_level(logging.WARNING):
        text, encoding = read_text(path, LIMIT)
    assert (text, encoding) == (expected, "utf-8")  # offsets after the defect are exact
    (warning,) = _warnings(caplog)
    assert str(path) in warning and "invalid UTF-8" in warning and "U+FFFD" in warning
    assert "\n" not in warning
    bad_at = len(LONG[:CUT].encode()) if kind != "truncated end" else len(LONG.encode())
    assert f"at byte offset {bad_at} (line " in warning


def test_one_bad_byte_in_a_short_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(tmp_path, "short.txt", "职业教育".encode() + b"\xff" + "活动周。\n".encode())
    with caplog.at_level(logging.WARNING):
        assert read_text(path, LIMIT) == ("职业教育\ufffd活动周。\n", "utf-8")
    assert len(_warnings(caplog)) == 1


@pytest.mark.parametrize("kind", ["0xff", "stray 0x80", "truncated end"])
def test_replacement_characters_are_flagged_as_mojibake_and_offsets_hold(
    tmp_path: Path, kind: str
) -> None:
    data, expected = _damaged(kind)
    doc = load_document(_write(tmp_path, "damaged.txt", data))
    assert doc.original == expected
    bad = expected.index("\ufffd")
    assert doc.has_mojibake(bad, bad + 1)
    assert all(doc.original[o] == c for o, c in zip(doc.offsets, doc.text, strict=True))
    quote = "校企合作再上新台阶"
    start = doc.original.rindex(quote)
    assert doc.original[start:start + len(quote)] == quote


def test_damaged_utf8_after_a_bom(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data, expected = _damaged("0xff")
    path = _write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + data)
    with caplog.at_level(logging.WARNING):
        assert read_text(path, LIMIT) == (expected, "utf-8-sig")
    assert len(_warnings(caplog)) == 1


def test_heavily_damaged_utf8_is_not_patched_up(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    raw = LONG.encode()
    data = b"".join(raw[i:i + 30] + b"\xff" for i in range(0, len(raw), 30))  # ~3% bad
    path = _write(tmp_path, "noise.txt", data)
    with caplog.at_level(logging.WARNING):
        try:
            _text, encoding = read_text(path, LIMIT)
        except InputError:
            encoding = ""
    assert encoding != "utf-8" and not _warnings(caplog)


def test_mostly_ascii_gbk_is_not_read_as_damaged_utf8(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    data = b"Vocational education news digest. " * 300 + SAMPLE.encode("gbk")
    path = _write(tmp_path, "gbk.txt", data)
    with caplog.at_level(logging.WARNING):
        text, encoding = read_text(path, LIMIT)
    assert encoding != "utf-8" and "\ufffd" not in text and not _warnings(caplog)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_decodes(tmp_path: Path, codec: str) -> None:
    path = _write(tmp_path, "u16.txt", LONG.encode(codec))
    assert read_text(path, LIMIT) == (LONG, codec)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_whose_nuls_are_mostly_on_the_other_side(tmp_path: Path,
                                                                   codec: str) -> None:
    # 一 is U+4E00: its zero byte sits opposite the zero bytes of newlines and digits
    text = "一是统一规划，一体推进，一校一策。\n" * 4
    assert read_text(_write(tmp_path, "yi.txt", text.encode(codec)), LIMIT) == (text, codec)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_mostly_ascii_utf16_without_bom_decodes(tmp_path: Path, codec: str) -> None:
    # ASCII pairs read as CJK in either byte order: the side of the NULs decides
    text = "Vocational education week opens in Harbin (2024).\n职业教育活动周开幕。\n" * 3
    assert read_text(_write(tmp_path, "en.txt", text.encode(codec)), LIMIT) == (text, codec)


def test_utf16_without_bom_of_odd_length_drops_the_last_byte(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path, "cut.txt", LONG.encode("utf-16-le") + b"\x0a")
    with caplog.at_level(logging.WARNING):
        assert read_text(path, LIMIT) == (LONG, "utf-16-le")
    (warning,) = _warnings(caplog)
    assert "UTF-16LE" in warning and "odd length" in warning


def _half_utf16() -> bytes:
    """UTF-16LE text with a block of control code units: NULs say UTF-16, content is unsure."""
    return SAMPLE.encode("utf-16-le") * 3 + b"\x01\x00" * 40


def test_unsure_utf16_says_what_was_detected(tmp_path: Path) -> None:
    path = _write(tmp_path, "half.txt", _half_utf16())
    with pytest.raises(InputError) as info:
        read_text(path, LIMIT)
    message = str(info.value)
    assert "looks like UTF-16LE without a byte-order mark" in message
    assert str(path) in message and "\n" not in message


def test_unsure_utf16_cli_one_error_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "half.txt", _half_utf16())
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "store"), "ingest", str(path)])
    assert result.exit_code == 2, result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "UTF-16LE without a byte-order mark" in errors[0]
    assert "Traceback" not in result.output


def test_ascii_with_stray_nuls_on_one_side_is_not_utf16(tmp_path: Path) -> None:
    # reads as CJK code units either way round, and its NULs are all at odd offsets
    data = bytearray(b"Vocational education week opens in Harbin, with 300 schools.\n" * 30)
    for i in range(1, len(data), 100):
        data[i] = 0
    with pytest.raises(InputError, match="binary file, not text"):
        read_text(_write(tmp_path, "nuls.txt", bytes(data)), LIMIT)


def test_nul_bytes_on_both_sides_stay_binary(tmp_path: Path) -> None:
    data = "正文".encode() + b"\x00\x00\x01\x00\x00" + "正文".encode()
    with pytest.raises(InputError, match="binary file, not text"):
        read_text(_write(tmp_path, "nul.txt", data), LIMIT)
