"""PDF, Word, web pages and URLs (issue 15): fixtures built at test time, offsets exact,
boilerplate gone, one error line for each kind of bad input and the store unchanged."""

from __future__ import annotations

import io
import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from agent.cli import main
from agent.core.errors import InputError
from agent.ingest.cleaning import load_document

TITLE = "关于推进市域产教联合体建设的通知"
PAGES = [
    [TITLE, "各市（州）教育局：", "为深化产教融合，现就有关事项通知如下。"],
    ["一、到2025年，全省建成20个左右市域产教联合体。", "二、培育50个行业产教融合共同体。"],
    ["三、2023年8月1日，江城市智能制造产教融合共同体在江城职业技术学院成立。",
     "職業教育活動週在臺北舉辦。"],
]
HEADER = "江城市教育局文件"


def make_pdf(path: Path, pages: list[list[str]] = PAGES, *, encrypt: str | None = None,
             image_only: bool = False) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    for font in ("STSong-Light", "MSung-Light"):
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    for number, lines in enumerate(pages, 1):
        if image_only:
            c.rect(72, 600, 300, 100, fill=1)
            c.showPage()
            continue
        c.setFont("STSong-Light", 9)
        c.drawString(72, 800, HEADER)
        y = 760
        for line in lines:
            traditional = any(ch in line for ch in "職業週臺")
            c.setFont("MSung-Light" if traditional else "STSong-Light", 12)
            c.drawString(72, y, line)
            y -= 22
        c.setFont("STSong-Light", 9)
        c.drawString(280, 40, f"第 {number} 页 共 {len(pages)} 页")
        c.showPage()
    c.save()
    return path


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("江城市职业教育工作要点", level=1)
    d.add_paragraph("一、到2025年，建成10个产教融合实训基地。")
    table = d.add_table(rows=2, cols=3)
    for i, text in enumerate(["项目", "牵头单位", "完成时间"]):
        table.cell(0, i).text = text
    for i, text in enumerate(["市域产教联合体", "江城职业技术学院", "2024年底"]):
        table.cell(1, i).text = text
    d.add_paragraph("二、举办全市职业院校技能大赛。")
    d.save(str(path))
    return path


PAGE = """<!DOCTYPE html><html><head><title>江城市域产教联合体成立 - 江城日报</title>
<meta property="og:title" content="江城市域产教联合体成立">
<meta property="article:published_time" content="2023-08-02T09:30:00+08:00">
</head><body>
<nav><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/edu">教育</a></nav>
<article><h1>江城市域产教联合体成立</h1>
<p>8月1日，江城市域产教联合体成立大会在江城职业技术学院召开。</p>
<p>联合体由江城职业技术学院牵头，联合当地32家企业和6所中职学校组建，到2025年将共建10个产业学院。</p>
<p>会上，江城市教育局与江城高新区管委会签署了合作协议，双方将共同推进人才培养。</p>
</article>
<section id="comments"><h3>网友评论</h3><p>网友甲：支持！这是好事，希望多办。</p></section>
<footer>版权所有 江城日报社 备案号：12345</footer>
</body></html>"""


# --------------------------------------------------------------------------- PDF


def test_pdf_pages_text_and_furniture(tmp_path: Path) -> None:
    doc = load_document(make_pdf(tmp_path / "notice.pdf"))
    assert doc.source.format == "pdf" and len(doc.source.pages) == 3
    for line in (*PAGES[1], *PAGES[2]):
        assert line in doc.text  # simplified (Adobe-GB1) and traditional (Adobe-CNS1) text
    assert HEADER not in doc.text and "第 2 页" not in doc.text  # running header, page numbers
    assert HEADER in doc.original  # deleted by cleaning only: offsets index the original
    i = doc.original.index("培育50个")
    assert doc.page_of(i) == 2 and doc.page_of(doc.original.index("職業")) == 3
    assert doc.title == TITLE


def test_encrypted_pdf_is_one_error_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="encrypted PDF"):
        load_document(make_pdf(tmp_path / "locked.pdf", encrypt="secret"))


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_pdf_is_one_error_line(tmp_path: Path, damage: str) -> None:
    good = make_pdf(tmp_path / "good.pdf").read_bytes()
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(good[:200] if damage == "truncated" else b"%PDF-1.4\n" + b"\x00\xff" * 300)
    with pytest.raises(InputError, match="PDF") as err:
        load_document(bad)
    assert "\n" not in str(err.value)


def test_scanned_pdf_without_the_ocr_extra_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # the extra is absent
    with pytest.raises(InputError, match=r"scanned PDF \(3 of 3 pages .*zhijiao-agent\[ocr\]"):
        load_document(make_pdf(tmp_path / "scan.pdf", image_only=True))


# --------------------------------------------------------------------------- Word


def test_docx_paragraphs_and_tables_in_reading_order(tmp_path: Path) -> None:
    doc = load_document(make_docx(tmp_path / "plan.docx"))
    assert doc.source.format == "docx"
    lines = doc.original.splitlines()
    assert lines == ["江城市职业教育工作要点", "一、到2025年，建成10个产教融合实训基地。",
                     "项目\t牵头单位\t完成时间", "市域产教联合体\t江城职业技术学院\t2024年底",
                     "二、举办全市职业院校技能大赛。"]


@pytest.mark.parametrize(("content", "message"), [
    (b"PK\x03\x04 not really a zip", "damaged or unreadable Word file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "encrypted Word file or an old .doc"),
])
def test_bad_docx_is_one_error_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.docx"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_document(path)


def test_empty_docx_is_one_error_line(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "empty.docx"
    docx.Document().save(str(path))
    with pytest.raises(InputError, match="Word file with no text"):
        load_document(path)


# --------------------------------------------------------------------------- web pages


def test_saved_page_keeps_the_article_title_and_date(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = load_document(path)
    assert doc.source.format == "html"
    assert "联合体由江城职业技术学院牵头" in doc.text
    for boilerplate in ("首页", "网友评论", "支持！", "版权所有", "备案号"):
        assert boilerplate not in doc.original
    assert doc.title == "江城市域产教联合体成立"
    assert doc.published == "2023-08-02"


def test_page_without_an_article_falls_back_to_visible_text(tmp_path: Path) -> None:
    path = tmp_path / "short.html"
    path.write_text("<html><body><div>江城职教周开幕。</div></body></html>", encoding="utf-8")
    assert "江城职教周开幕。" in load_document(path).text


# --------------------------------------------------------------------------- CLI, URLs


class _Site(BaseHTTPRequestHandler):
    pdf = b""

    def do_GET(self) -> None:
        routes: dict[str, Any] = {
            "/news.html": (200, "text/html; charset=utf-8", PAGE.encode("utf-8")),
            "/notice.pdf": (200, "application/pdf", self.pdf),
            "/missing": (404, "text/html", b"<h1>Not Found</h1>"),
            "/picture": (200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        }
        if self.path == "/slow":
            time.sleep(3)
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        if self.path == "/huge":  # a 2 GB body announced, and sent for as long as read
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(2 * 1024):
                    self.wfile.write(b"<p>" + b"x" * (1 << 20) + b"</p>")
            except OSError:
                pass
            return
        status, kind, body = routes.get(self.path, (200, "text/html", b"<p>slow</p>"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    _Site.pdf = make_pdf(tmp_path / "served.pdf").read_bytes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGENT_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("AGENT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AGENT_MAX_FILE_MB", "5")
    return tmp_path


def _ingest(*args: str) -> Result:
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    return CliRunner().invoke(main, ["ingest", "--json", *args])


def _docs() -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, ["docs", "--json"])
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout)["documents"])


def test_files_of_every_format_in_one_folder(cli_env: Path) -> None:
    folder = cli_env / "inbox"
    folder.mkdir()
    make_pdf(folder / "notice.pdf")
    make_docx(folder / "plan.docx")
    (folder / "page.html").write_text(PAGE, encoding="utf-8")
    result = _ingest(str(folder))
    assert result.exit_code == 0, result.output
    shown = {Path(d["path"]).name: (d["format"], d["pages"]) for d in _docs()}
    assert shown == {"notice.pdf": ("pdf", 3), "plan.docx": ("docx", None),
                     "page.html": ("html", None)}


def test_url_is_fetched_once_and_stored_under_its_address(cli_env: Path, site: str) -> None:
    first = _ingest(f"{site}/news.html", f"{site}/notice.pdf")
    assert first.exit_code == 0, first.output
    assert [f["status"] for f in json.loads(first.stdout)["files"]] == ["added", "added"]
    stored = {d["path"]: d for d in _docs()}
    assert stored[f"{site}/news.html"]["url"] == f"{site}/news.html"
    assert stored[f"{site}/notice.pdf"]["pages"] == 3
    again = _ingest(f"{site}/news.html")
    assert json.loads(again.stdout)["files"][0]["status"] == "unchanged"
    refetched = _ingest("--refetch", f"{site}/news.html")
    assert json.loads(refetched.stdout)["files"][0]["status"] == "unchanged"


@pytest.mark.parametrize(("route", "message"), [
    ("/missing", "HTTP 404"),
    ("/picture", "content type image/png is not a web page, PDF, Word or text file"),
    ("/loop", "more than 5 redirects"),
    ("/huge", "body above the limit of 5.0 MB"),
    ("/slow", "no answer within 1s"),
])
def test_bad_url_is_one_error_line_and_the_store_is_unchanged(
    cli_env: Path, site: str, route: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.ingest import fetch

    monkeypatch.setattr(fetch, "READ_TIMEOUT_S", 1.0)
    assert _ingest(f"{site}/news.html").exit_code == 0
    before = _docs()
    result = _ingest(f"{site}{route}")
    assert result.exit_code == 2
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.output
    assert _docs() == before


def test_unreachable_host_is_one_error_line(cli_env: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _ingest(f"http://127.0.0.1:{port}/x.html")
    assert result.exit_code == 2 and "cannot fetch (ConnectError" in result.stderr


def test_bad_pdf_in_a_folder_fails_alone(cli_env: Path) -> None:
    folder = cli_env / "inbox"
    folder.mkdir()
    make_pdf(folder / "good.pdf")
    make_pdf(folder / "locked.pdf", encrypt="secret")
    result = _ingest(str(folder))
    assert result.exit_code == 2
    statuses = {Path(f["path"]).name: f["status"] for f in json.loads(result.stdout)["files"]}
    assert statuses == {"good.pdf": "added", "locked.pdf": "failed"}
    assert [Path(d["path"]).name for d in _docs()] == ["good.pdf"]


def test_pdf_bytes_are_found_by_signature_whatever_the_name(tmp_path: Path) -> None:
    data = io.BytesIO(make_pdf(tmp_path / "a.pdf").read_bytes())
    renamed = tmp_path / "notice.txt"
    renamed.write_bytes(data.getvalue())
    assert load_document(renamed).source.format == "pdf"


def _completion(content: str) -> dict[str, Any]:
    """An OpenAI chat completion whose message is ``content`` (the fake endpoint's reply)."""
    return {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


LLM_BASE = "http://llm.test/v1"


@pytest.fixture
def pdf_store(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture PDF ingested; the model is a fake endpoint the test answers for."""
    folder = cli_env / "inbox"
    folder.mkdir()
    make_pdf(folder / "notice.pdf")
    assert _ingest(str(folder)).exit_code == 0
    for name, value in {"OPENAI_BASE_URL": LLM_BASE, "OPENAI_API_KEY": "k", "AGENT_MODEL": "m",
                        "AGENT_MAX_RETRIES": "1"}.items():
        monkeypatch.setenv(name, value)
    return cli_env


def test_answer_from_a_pdf_cites_its_page(pdf_store: Path) -> None:
    """The model's quote is verified against the PDF's text and located on page 2."""
    import re

    import httpx
    import respx

    base = LLM_BASE
    quote = "到2025年，全省建成20个左右市域产教联合体"
    shown = "到2025年,全省建成20个左右市域产教联合体"  # sources are shown in search form

    def reply(request: httpx.Request) -> httpx.Response:
        user = json.loads(request.content)["messages"][-1]["content"]
        number = next(int(m[1]) for m in re.finditer(r"^\[(\d+)\](.*)$", user, re.M)
                      if shown in m[2])
        draft = {"answerable": True, "answer": "到2025年建成20个左右市域产教联合体。",
                 "cite": [number]}
        return httpx.Response(200, json=_completion(json.dumps(draft, ensure_ascii=False)))

    with respx.mock:
        respx.post(f"{base}/chat/completions").mock(side_effect=reply)
        result = CliRunner().invoke(main, ["ask", "到2025年全省要建成多少个市域产教联合体？",
                                           "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answerable"] and data["citations"]
    cited = data["citations"][0]
    assert cited["page"] == 2 and quote in cited["quote"]  # the original's characters
    with respx.mock:
        respx.post(f"{base}/chat/completions").mock(side_effect=reply)
        text = CliRunner().invoke(main, ["ask", "到2025年全省要建成多少个市域产教联合体？"])
    assert "notice.pdf 第2页" in text.stdout


def test_items_from_a_pdf_carry_their_page(pdf_store: Path) -> None:
    import httpx
    import respx

    base = LLM_BASE

    def nothing_found(request: httpx.Request) -> httpx.Response:  # targets are found by code
        sent = json.dumps(json.loads(request.content)["messages"], ensure_ascii=False)
        content = '{"alliances": []}' if "alliances" in sent else '{"events": []}'
        return httpx.Response(200, json=_completion(content))

    with respx.mock:
        respx.post(f"{base}/chat/completions").mock(side_effect=nothing_found)
        result = CliRunner().invoke(main, ["summarize", "--json"])
    assert result.exit_code == 0, result.output
    targets = json.loads(result.stdout)["merged"]["targets"]
    pages = {t["evidence"][0]["quote"][:8]: t["evidence"][0]["page"] for t in targets}
    assert pages and set(pages.values()) <= {2, 3} and 2 in pages.values(), pages


CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # Debian fonts-wqy-microhei


def test_scanned_pdf_is_read_by_ocr_when_the_extra_is_installed(tmp_path: Path) -> None:
    """RapidOCR reads page images (runs where the ``ocr`` extra and a CJK font to draw the
    fixture with are installed)."""
    pytest.importorskip("rapidocr_onnxruntime")
    if not CJK_FONT.exists():
        pytest.skip(f"no CJK font to draw a scanned page with ({CJK_FONT})")
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = ImageFont.truetype(str(CJK_FONT), 40)
    pdf = canvas.Canvas(str(tmp_path / "scan.pdf"), pagesize=A4)
    for page, line in enumerate(PAGES[1], 1):
        image = Image.new("RGB", (1200, 300), "white")
        ImageDraw.Draw(image).text((40, 120), line, fill="black", font=font)
        image.save(tmp_path / f"p{page}.png")
        pdf.drawImage(str(tmp_path / f"p{page}.png"), 0, 500, width=A4[0], height=150)
        pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "scan.pdf")
    assert "到2025年，全省建成20个左右市域产教联合体。" in doc.original
    assert "二、培育50个行业产教融合共同体。" in doc.original  # two boxes, one line
    assert doc.page_of(doc.original.index("培育")) == 2


def test_ocr_boxes_are_read_line_by_line_left_to_right() -> None:
    from agent.ingest.pdf import ocr_lines

    def box(x: float, y: float, text: str, w: float = 100, h: float = 40) -> list[Any]:
        return [[[x, y], [x + w, y], [x + w, y + h], [x, y + h]], text, 0.9]

    boxes = [box(300, 102, "建成20个联合体。"), box(40, 100, "一、"), box(40, 160, "二、培育")]
    assert ocr_lines(boxes) == ["一、建成20个联合体。", "二、培育"]
