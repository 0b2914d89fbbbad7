"""OCR speed per scanned page on this machine (the ``ocr`` extra, RapidOCR): A4 pages at
200 dpi holding 24 lines of Chinese, drawn with a CJK font (Debian fonts-wqy-microhei) and
put in a PDF; prints the model load time, the median seconds per page and whether a known
line came out exactly.

    .venv/bin/python evals/bench_ocr.py [--pages 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
LINES = ["关于推进市域产教联合体建设的通知",
         "各市（州）教育局：为深化产教融合，现就有关事项通知如下。",
         "一、到2025年，全省建成20个左右市域产教联合体。", "二、培育50个行业产教融合共同体。",
         "三、2023年8月1日，江城市智能制造产教融合共同体成立。",
         "四、支持职业院校与企业共建产业学院和实训基地。"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=4)
    args = parser.parse_args()
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        sys.exit("the ocr extra is not installed: pip install 'zhijiao-agent[ocr]'")
    if not FONT.exists():
        sys.exit(f"no CJK font to draw pages with: {FONT} (apt-get install fonts-wqy-microhei)")
    from PIL import Image, ImageDraw, ImageFont

    from agent.ingest.pdf import ocr_lines

    font = ImageFont.truetype(str(FONT), 40)
    images = []
    with tempfile.TemporaryDirectory() as tmp:
        for page in range(args.pages):
            image = Image.new("RGB", (1654, 2339), "white")
            draw = ImageDraw.Draw(image)
            for row in range(24):
                line = LINES[row % len(LINES)].replace("2025", str(2025 + page))
                draw.text((120, 150 + row * 80), line, fill="black", font=font)
            path = Path(tmp) / f"{page}.png"
            image.save(path)
            images.append(path.read_bytes())
    t0 = time.perf_counter()
    engine = RapidOCR()
    load = time.perf_counter() - t0
    seconds, found = [], 0
    for page, data in enumerate(images):
        t0 = time.perf_counter()
        result, _ = engine(data)
        seconds.append(time.perf_counter() - t0)
        found += LINES[2].replace("2025", str(2025 + page)) in ocr_lines(result or [])
    print(f"model load {load:.1f}s; {args.pages} pages (24 lines each, A4 at 200 dpi): median "
          f"{statistics.median(seconds):.1f}s per page; known line exact on {found}/{args.pages}")


if __name__ == "__main__":
    main()
