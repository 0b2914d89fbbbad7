"""Read a user-supplied text file: size limits, encoding detection, binary rejection.

The string returned by :func:`read_text` is, for plain text, what a ``Document`` calls
its *original*: line endings are normalised to ``\\n`` and a byte-order mark is dropped
before anything else, so every offset the pipeline produces indexes into that string.
Web pages, PDF and Word files go through :mod:`agent.ingest.sources`.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from agent.core.errors import InputError

_BINARY_MAGIC = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"%PDF",
    b"PK\x03\x04",
    b"\x7fELF",
    b"\x1f\x8b",
    b"BM",
    b"RIFF",
    b"\xd0\xcf\x11\xe0",
    b"SQLite format 3",
)
log = logging.getLogger(__name__)

_BINARY = "binary file, not text"
_NUL_SNIFF_BYTES = 8192  # a NUL byte here makes a file binary (unless it is UTF-16)
_SNIFF_BYTES = 65536
_ASCII = bytes(range(128))
_ESCAPED_RUN = re.compile("[\udc80-\udcff]+")  # invalid bytes under surrogateescape
_MAX_BAD_UTF8_SHARE = 0.01
_MAX_BAD_UTF8_BYTES = 4
_MIN_GOOD_PER_BAD_UTF8 = 10
# UTF-16 without BOM. Share of text-like code units needed to decode it (SURE) or to name
# UTF-16 in the error (MAYBE): Chinese UTF-8, GB18030 or Big5 bytes, or Chinese UTF-16
# read in the wrong byte order, score about 0.4 or less; hence the MARGIN between byte
# orders. Failing that, NULs in at least MIN_NULS of the code units (ASCII_NULS if the
# bytes are valid UTF-8), SKEW of them on one side, give the byte order.
_UTF16_MARGIN = 0.25
_UTF16_MIN_NULS = 0.01
_UTF16_ASCII_NULS = 0.4
_UTF16_SKEW = 0.9
_UTF16_SURE = 0.9
_UTF16_MAYBE = 0.6
_UTF16_TEXT = re.compile(
    "[\t\n\r\f\x20-\x7e\xa0-\u024f\u0370-\u04ff\u2000-\u2bff\u3000-\u33ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\ud800-\udfff\uf900-\ufaff\ufe10-\ufe6f\uff00-\uffef]"
)
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1b")
_MAX_CONTROL_FRACTION = 0.05

def read_text(path: Path, max_bytes: int) -> tuple[str, str]:
    """Return ``(text, encoding)`` for ``path``; raise ``InputError`` with a one-line reason.

    Text files are decoded as UTF-8 (BOM dropped), then GB18030 (covers GBK/GB2312),
    then Big5, with charset-normalizer arbitrating when several decode cleanly. UTF-16
    without a byte-order mark is recognised by its NUL bytes. A UTF-8 file with a few
    invalid bytes is kept, each damaged sequence becoming U+FFFD, with one warning.
    """
    return decode_text(read_bytes(path, max_bytes), str(path))


def decode_text(data: bytes, where: str) -> tuple[str, str]:
    """:func:`read_text` for bytes already read (a file's or a URL's)."""
    decoded = _decode(data)
    if isinstance(decoded, str):
        raise InputError(f"{where}: {decoded}")
    if decoded.warning:
        log.warning("%s: %s", where, decoded.warning)
    text = normalise_newlines(decoded.text).lstrip("\ufeff")
    if _control_fraction(text) > _MAX_CONTROL_FRACTION:
        raise InputError(f"{where}: binary file, not text (mostly control characters)")
    if not text.strip():
        raise InputError(f"{where}: empty file (no text)")
    return text, decoded.encoding


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path`` within ``max_bytes``; one-line ``InputError`` otherwise."""
    try:
        if not path.exists():
            raise InputError(f"{path}: no such file")
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{path}: file is {format_size(size)}, above the limit of {format_size(max_bytes)}"
                " (max_file_mb)"
            )
        if size == 0:
            raise InputError(f"{path}: empty file")
        data = path.read_bytes()
    except PermissionError as exc:
        raise InputError(f"{path}: cannot read file (permission denied)") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:  # the file grew after stat
        raise InputError(f"{path}: file is above the limit of {format_size(max_bytes)}")
    if not data:
        raise InputError(f"{path}: empty file")
    return data


def format_size(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB"
    if n >= 2**10:
        return f"{n / 2**10:.1f} KB"
    return f"{n} bytes"


def _has_utf16_bom(data: bytes) -> bool:
    return data[:2] in (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class _Decoded:
    text: str
    encoding: str
    warning: str = ""


def _decode(data: bytes) -> _Decoded | str:
    """The decoded file, or the one-line reason it cannot be read as text."""
    if _has_utf16_bom(data):
        try:
            return _Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            return f"{_BINARY} (invalid UTF-16 after a UTF-16 BOM)"
    if data.startswith(_BINARY_MAGIC):
        return _BINARY
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data[:_NUL_SNIFF_BYTES]:
        return _BINARY
    if data.startswith(b"\xef\xbb\xbf"):
        return _utf8(data, "utf-8-sig") or f"{_BINARY} (invalid UTF-8 after a UTF-8 BOM)"
    return _utf8(data, "utf-8") or _legacy(data) or f"{_BINARY} (no text encoding fits)"


def _utf8(data: bytes, encoding: str) -> _Decoded | None:
    """Strict UTF-8, or UTF-8 with replacement when only a few bytes are damaged.
    ``encoding`` is ``utf-8`` or ``utf-8-sig`` (which drops the BOM)."""
    try:
        return _Decoded(data.decode(encoding), encoding)
    except UnicodeDecodeError:
        pass
    bad = _bad_utf8(data)
    if not _mostly_utf8(data, bad):
        return None
    return _Decoded(data.decode(encoding, errors="replace"), encoding, _damage_note(data, bad))


def _bad_utf8(data: bytes) -> list[tuple[int, int]]:
    """``(byte offset, length)`` of each run of bytes that is not valid UTF-8."""
    escaped = data.decode("utf-8", errors="surrogateescape")
    runs: list[tuple[int, int]] = []
    pos = 0  # byte offset of escaped[last:]
    last = 0
    for m in _ESCAPED_RUN.finditer(escaped):
        pos += len(escaped[last : m.start()].encode("utf-8"))
        runs.append((pos, m.end() - m.start()))
        pos += m.end() - m.start()
        last = m.end()
    return runs


def _mostly_utf8(data: bytes, bad: list[tuple[int, int]]) -> bool:
    """At most 1% of the bytes (or 4 bytes, for short files) are invalid, and the valid
    non-ASCII bytes outnumber the invalid ones ten to one. The second test keeps GBK and
    Big5 files away from this path, mostly-ASCII ones included: most of their non-ASCII
    bytes are invalid UTF-8. A multi-byte character cut off at the end of the file is
    not counted: that is truncation."""
    if bad and _is_truncated_tail(data, bad[-1]):
        bad = bad[:-1]
    n_bad = sum(length for _, length in bad)
    valid_non_ascii = len(data.translate(None, _ASCII)) - n_bad
    small = n_bad <= max(_MAX_BAD_UTF8_SHARE * len(data), _MAX_BAD_UTF8_BYTES)
    return small and valid_non_ascii >= _MIN_GOOD_PER_BAD_UTF8 * n_bad


def _is_truncated_tail(data: bytes, run: tuple[int, int]) -> bool:
    start, length = run
    if start + length != len(data) or length > 3:
        return False
    # final=False: an incomplete but so far valid sequence decodes to "" without error
    try:
        return codecs.utf_8_decode(data[start:], "strict", False)[0] == ""
    except UnicodeDecodeError:
        return False


def _damage_note(data: bytes, bad: list[tuple[int, int]]) -> str:
    n_bad = sum(length for _, length in bad)
    where = ", ".join(f"{start} (line {_line_of(data, start)})" for start, _ in bad[:3])
    more = f" and {len(bad) - 3} more places" if len(bad) > 3 else ""
    noun = "byte" if n_bad == 1 else "bytes"
    offsets = "offset" if len(bad) == 1 else "offsets"
    return f"{n_bad} invalid UTF-8 {noun} replaced with U+FFFD at byte {offsets} {where}{more}"


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _utf16_without_bom(data: bytes) -> _Decoded | str | None:
    """UTF-16 without a BOM: NUL bytes (the high byte of newlines, digits and other ASCII)
    in a file that reads as text in one byte order. ``None`` when it does not look like
    UTF-16, the reason it cannot be read when it only half does."""
    sample = data[: min(len(data), _SNIFF_BYTES) // 2 * 2]
    if sample.count(0) < 2:
        return None
    guess = _utf16_byte_order(sample)
    if guess is None or guess[1] < _UTF16_MAYBE:
        return None
    encoding, textlike = guess
    label = encoding.upper().replace("-LE", "LE").replace("-BE", "BE")
    unsure = f"looks like {label} without a byte-order mark, but {{}}; re-save it as UTF-8"
    if textlike < _UTF16_SURE:
        return unsure.format(f"only {textlike:.0%} of its characters read as text")
    even = data[: len(data) // 2 * 2]
    try:
        text = even.decode(encoding)
    except UnicodeDecodeError as exc:
        return unsure.format(f"it has an unpaired surrogate at byte {exc.start}")
    if len(even) == len(data):
        return _Decoded(text, encoding)
    note = f"{label} with an odd length: last byte (offset {len(even)}) dropped as truncated"
    return _Decoded(text, encoding, note)


def _utf16_byte_order(sample: bytes) -> tuple[str, float] | None:
    """The byte order in which ``sample`` clearly reads better as text, and its text-like
    share; else (ASCII or Hangul read as CJK either way round) the side nearly all its NUL
    bytes are on. The NULs come second because they mislead for Chinese: 一 U+4E00 and
    开 U+5F00 have a NUL low byte, newlines and digits a NUL high byte."""
    le = _utf16_textlike(sample, "utf-16-le")
    be = _utf16_textlike(sample, "utf-16-be")
    if abs(le - be) >= _UTF16_MARGIN:
        return ("utf-16-le", le) if le > be else ("utf-16-be", be)
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    # ASCII text with stray NULs is valid UTF-8; ASCII as UTF-16 has a NUL in every unit
    floor = _UTF16_ASCII_NULS if _utf8_prefix_ok(sample) else _UTF16_MIN_NULS
    many = max(odd, even) >= floor * (len(sample) // 2)
    if many and max(odd, even) >= _UTF16_SKEW * (odd + even):
        return ("utf-16-le", le) if odd > even else ("utf-16-be", be)
    return None


def _utf8_prefix_ok(sample: bytes) -> bool:
    """``sample`` is valid UTF-8, but for a character cut off at its end."""
    try:
        codecs.utf_8_decode(sample, "strict", False)
    except UnicodeDecodeError:
        return False
    return True


def _utf16_textlike(sample: bytes, encoding: str) -> float:
    """Share of the code units that are ASCII text, CJK, Hangul or common punctuation."""
    units = sample.decode(encoding, errors="surrogatepass")
    if not units:
        return 0.0
    return (len(units) - len(_UTF16_TEXT.sub("", units))) / len(units)


def _legacy(data: bytes) -> _Decoded | None:
    """GB18030 or Big5 (charset-normalizer arbitrating), else charset-normalizer's guess."""
    fits: dict[str, str] = {}
    for enc in ("gb18030", "big5"):
        try:
            fits[enc] = data.decode(enc)
        except UnicodeDecodeError:
            continue
    if len(fits) == 1:
        enc = next(iter(fits))
        return _Decoded(fits[enc], enc)
    if fits:
        best = from_bytes(data, cp_isolation=list(fits)).best()
        enc = "big5" if best is not None and best.encoding.replace("_", "") == "big5" else "gb18030"
        return _Decoded(fits[enc], enc)
    guess = from_bytes(data).best()
    if guess is None:
        return None
    return _Decoded(str(guess), guess.encoding)


def _control_fraction(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(
        1
        for ch in sample
        if ch not in _TEXT_CONTROLS and unicodedata.category(ch) in ("Cc", "Co", "Cs")
    )
    return bad / len(sample)
