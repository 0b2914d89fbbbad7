"""Word files (.docx, python-docx): paragraphs and tables in reading order.

A table row becomes one line with its cells separated by a tab (merged cells, which
python-docx repeats for every grid cell they span, once); the original is that text.
"""

from __future__ import annotations

import io
import zipfile

from agent.core.errors import InputError, one_line


def docx_text(data: bytes, where: str) -> str:
    """The text of a .docx; one-line ``InputError`` for a damaged, encrypted or empty one."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{where}: an encrypted Word file or an old .doc, not .docx (save it "
                         "as .docx without a password)")
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_blocks(document))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{where}: damaged or unreadable Word file ({one_line(exc)})") from exc
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        raise InputError(f"{where}: Word file with no text")
    return text + "\n"


def _blocks(document: object) -> list[str]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[str] = []
    for block in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Paragraph):
            out.append(block.text.strip())
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(cell.text.split()))
                out.append("\t".join(cells))
    return out
