"""Which PDF library reads Chinese PDFs: pypdf against pdfminer.six on PDFs with the CID
fonts Chinese documents use (Adobe-GB1 for simplified, Adobe-CNS1 for traditional text),
made with reportlab at run time. Prints, per library, whether known sentences come out
exactly and the median time to read a 60-page file.

    .venv/bin/python evals/bench_pdf.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_formats import PAGES, make_pdf  # the fixture the tests use

WANTED = [line for page in PAGES for line in page]


def pypdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def pdfminer_pages(path: Path) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    return ["".join(el.get_text() for el in layout if isinstance(el, LTTextContainer))
            for layout in extract_pages(path)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    readers: dict[str, Callable[[Path], list[str]]] = {"pypdf": pypdf_pages}
    try:
        import pdfminer  # noqa: F401
        readers["pdfminer.six"] = pdfminer_pages
    except ImportError:
        print("pdfminer.six is not installed (pip install pdfminer.six to compare)")
    with tempfile.TemporaryDirectory() as tmp:
        small = make_pdf(Path(tmp) / "small.pdf")
        big = make_pdf(Path(tmp) / "big.pdf", PAGES * 20)
        print(f"{'library':<13} {'GB1 lines':>9} {'CNS1 lines':>10} {'60 pages s':>10} "
              f"{'pages/s':>7}")
        for name, read in readers.items():
            text = "".join(read(small)).replace("\n", "")
            traditional = [w for w in WANTED if any(ch in w for ch in "職業週臺")]
            simplified = [w for w in WANTED if w not in traditional]
            gb1 = sum(w in text for w in simplified)
            cns1 = sum(w in text for w in traditional)
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                read(big)
                times.append(time.perf_counter() - t0)
            median = statistics.median(times)
            print(f"{name:<13} {gb1:>4}/{len(simplified):<4} {cns1:>5}/{len(traditional):<4} "
                  f"{median:>10.2f} {60 / median:>7.0f}")


if __name__ == "__main__":
    main()
