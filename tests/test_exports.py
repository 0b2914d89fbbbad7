"""Spreadsheet exports (issue 14, item 3): read back with the csv module and openpyxl, they
hold the same items as the JSON, every field, the evidence quote, file and offsets."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from agent.extract.schemas import Event, Evidence
from agent.report import ReportData, write_report
from agent.report.exports import LIST_SEPARATOR, SHEETS

FIXTURE = Path(__file__).parent / "fixtures" / "report_fixture.json"


@pytest.fixture
def data() -> ReportData:
    report = ReportData.model_validate_json(FIXTURE.read_text(encoding="utf-8"))
    assert report.merged.events and report.merged.alliances and report.merged.targets
    return report


def _csv_sheets(folder: Path) -> dict[str, list[dict[str, str]]]:
    out = {}
    for sheet in SHEETS:
        raw = (folder / f"report-{sheet}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese as UTF-8
        reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
        assert reader.fieldnames == SHEETS[sheet]
        out[sheet] = list(reader)
    return out


def _xlsx_sheets(path: Path) -> dict[str, list[dict[str, object]]]:
    book = load_workbook(path)
    assert book.sheetnames == list(SHEETS)
    out = {}
    for sheet in SHEETS:
        rows = list(book[sheet].iter_rows(values_only=True))
        assert list(rows[0]) == SHEETS[sheet]
        out[sheet] = [dict(zip(SHEETS[sheet], row, strict=True)) for row in rows[1:]]
    return out


def test_csv_and_xlsx_round_trip_to_the_json_items(data: ReportData, tmp_path: Path) -> None:
    written = write_report(data, tmp_path, {"json", "csv", "xlsx"})
    assert written["xlsx"] == tmp_path / "report.xlsx"
    merged = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["merged"]
    for sheets in (_csv_sheets(tmp_path), _xlsx_sheets(tmp_path / "report.xlsx")):
        assert [r["name"] for r in sheets["events"]] == [e["name"] for e in merged["events"]]
        assert [r["id"] for r in sheets["alliances"]] == [
            f"A{i}" for i in range(1, len(merged["alliances"]) + 1)]
        for row, alliance in zip(sheets["alliances"], merged["alliances"], strict=True):
            assert (row["lead"] or None) == alliance["lead"]
            members = str(row["members"] or "")
            assert (members.split(LIST_SEPARATOR) if members else []) == alliance["members"]
        for row, target in zip(sheets["targets"], merged["targets"], strict=True):
            assert float(str(row["value"])) == target["value"]
            assert row["status"] == target["status"]
            deadline = row["deadline_year"]
            assert (int(str(deadline)) if deadline not in (None, "") else None) == \
                target["deadline_year"]
        spans = [(r["item_id"], r["quote"], int(str(r["start"])), int(str(r["end"])))
                 for r in sheets["evidence"]]
        expected = [(f"{prefix}{i}", ev["quote"], ev["start"], ev["end"])
                    for kind, prefix in (("events", "E"), ("alliances", "A"), ("targets", "T"))
                    for i, item in enumerate(merged[kind], 1) for ev in item["evidence"]]
        assert spans == expected
        files = {r["file"] for r in sheets["evidence"]}
        assert files <= {Path(d.path).name for d in data.documents}


def test_a_quote_that_looks_like_a_formula_stays_text(data: ReportData, tmp_path: Path) -> None:
    doc_id = data.documents[0].doc_id
    data.merged.events.insert(0, Event(
        name="=HYPERLINK(\"http://x\",\"点我\")", event_type="会议", organizers=["@某单位"],
        evidence=[Evidence(doc_id=doc_id, quote="=1+1", start=0, end=4)], doc_ids=[doc_id]))
    write_report(data, tmp_path, {"csv", "xlsx"})
    row = _csv_sheets(tmp_path)["events"][0]
    assert row["name"] == "'=HYPERLINK(\"http://x\",\"点我\")" and row["organizers"] == "'@某单位"
    cell = load_workbook(tmp_path / "report.xlsx")["events"]["B2"]
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\",\"点我\")"


def test_unknown_format_is_refused(data: ReportData, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="use json, md, html, xlsx, csv"):
        write_report(data, tmp_path, {"pdf"})
