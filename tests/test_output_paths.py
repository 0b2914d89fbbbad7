"""``report -o`` and ``summarize -o`` check their output path before any work: a wrong
path is exit 2 with one ``error:`` line, not a traceback after the whole model run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from agent.cli.app import main
from agent.core.errors import InputError
from agent.core.files import check_output_dir, check_output_file


@pytest.fixture
def no_model_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records any start of the store + model run the commands would do."""
    calls: list[str] = []

    def run_summary(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[3])
        raise AssertionError("the model run started")

    monkeypatch.setattr("agent.cli.summaries._run_summary", run_summary)
    return calls


def _run(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--store", str(tmp_path / "store"), *args])


def _one_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_report_into_an_existing_file_fails_before_the_run(
    tmp_path: Path, no_model_run: list[str]
) -> None:
    target = tmp_path / "report.txt"
    target.write_text("keep me\n", encoding="utf-8")
    line = _one_error(_run(tmp_path, "report", "-o", str(target)))
    assert str(target) in line and "not a folder" in line
    line = _one_error(_run(tmp_path, "report", "-o", str(target / "sub")))
    assert "is not a folder" in line
    assert no_model_run == []
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_summarize_into_a_folder_fails_before_the_run(
    tmp_path: Path, no_model_run: list[str]
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    line = _one_error(_run(tmp_path, "summarize", "-o", str(folder)))
    assert str(folder) in line and "is a folder" in line
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    line = _one_error(_run(tmp_path, "summarize", "-o", str(blocker / "summary.json")))
    assert "is not a folder" in line
    assert no_model_run == []
    assert list(folder.iterdir()) == []


def test_good_output_paths_pass(tmp_path: Path) -> None:
    check_output_dir(tmp_path / "new" / "report")
    check_output_dir(tmp_path)
    check_output_file(tmp_path / "new" / "summary.json")
    check_output_file(tmp_path / "summary.json")
    with pytest.raises(InputError):
        check_output_file(tmp_path)
