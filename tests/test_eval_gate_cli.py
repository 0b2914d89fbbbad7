"""The quality gate: ``gate_exit_code`` and ``agent eval`` exit codes (no model, no store)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from agent.cli import main
from agent.cli.evaluation import metric_rows
from agent.evaluation import runner
from agent.evaluation.gate import load_thresholds

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = ROOT / "evals" / "thresholds.toml"
GOLD_DIR = ROOT / "evals" / "gold"
SEEDS = ROOT / "seeds"


def good_metrics(path: Path = THRESHOLDS) -> dict[str, float]:
    """Every thresholded metric exactly at its bound (bounds are inclusive)."""
    floors, ceilings = load_thresholds(path)
    return {**floors, **ceilings, "retrieval.hit@1": 0.9, "extraction.cost.wall_s": 12.0}


def degraded_metrics() -> dict[str, float]:
    return {**good_metrics(), "extraction.recall.alliance": 0.1, "qa.answer_accuracy": 0.0}


def test_thresholds_cover_the_core_metrics() -> None:
    floors, ceilings = load_thresholds(THRESHOLDS)
    for name in ("extraction.recall.alliance", "extraction.evidence_validity",
                 "qa.answer_accuracy", "retrieval.hit@5"):
        assert name in floors
    assert "qa.false_refusal_rate" in ceilings


def test_gate_passes_good_metrics() -> None:
    assert runner.gate_exit_code(good_metrics(), THRESHOLDS) == (0, [])


def test_gate_fails_degraded_metrics() -> None:
    code, failures = runner.gate_exit_code(degraded_metrics(), THRESHOLDS)
    assert code == runner.GATE_EXIT_CODE == 6
    assert len(failures) == 2
    assert any(f.startswith("extraction.recall.alliance 0.10 <") for f in failures)
    assert any(f.startswith("qa.answer_accuracy 0.00 <") for f in failures)


def test_gate_ceiling_nan_and_evidence(tmp_path: Path) -> None:
    bad = {**good_metrics(), "qa.false_refusal_rate": 0.9}
    code, failures = runner.gate_exit_code(bad, THRESHOLDS)
    assert code == 6 and len(failures) == 1
    assert failures[0].startswith("qa.false_refusal_rate 0.90 > ")
    code, failures = runner.gate_exit_code({"extraction.evidence_validity": 0.99}, THRESHOLDS)
    assert code == 6 and failures[0].startswith("extraction.evidence_validity")
    code, _ = runner.gate_exit_code({"retrieval.mrr": float("nan")}, THRESHOLDS)
    assert code == 6
    # Metrics of suites that did not run are skipped.
    assert runner.gate_exit_code({"retrieval.hit@5": 1.0, "retrieval.mrr": 1.0}, THRESHOLDS) == (
        0, [])
    custom = tmp_path / "t.toml"
    custom.write_text('[floors]\n"retrieval.hit@1" = 0.95\n', "utf-8")
    assert runner.gate_exit_code(good_metrics(), custom)[0] == 6


def test_metric_rows_marks_pass_fail_skip() -> None:
    floors, ceilings = load_thresholds(THRESHOLDS)
    rows = {r[0]: r for r in metric_rows(degraded_metrics(), floors, ceilings)}
    assert rows["extraction.recall.alliance"][3] == "FAIL"
    assert rows["qa.false_refusal_rate"][2].startswith("<=")
    assert rows["retrieval.hit@5"][3] == "PASS"
    assert rows["retrieval.hit@1"][2:] == ("", "")
    only = {r[0]: r for r in metric_rows({"retrieval.hit@5": 1.0}, floors, ceilings,
                                          suites=["retrieval"])}
    assert only["retrieval.mrr"][3] == "SKIP"
    assert not any(name.startswith("qa.") for name in only)


# --------------------------------------------------------------------------- CLI


def _fake_run_eval(metrics: dict[str, float], seen: dict[str, Any]) -> Any:
    def fake(settings: Any, *, suites: set[str], gold_dir: Any, corpus: Path,
             benchmarks: Path | None = None, echo: Any = print, store_dir: Path | None = None,
             **_: Any) -> runner.EvalResult:
        seen.update(suites=suites, gold_dir=gold_dir, corpus=corpus, benchmarks=benchmarks,
                    store_dir=store_dir, store=settings.store)
        echo("fake eval running")
        return runner.EvalResult(metrics=dict(metrics), suites=sorted(suites),
                                 corpus=str(corpus), store="/tmp/eval-store",
                                 details={"qa": {"questions": []}}, wall_s=1.0)

    return fake


def _invoke(args: list[str]) -> Any:
    return CliRunner().invoke(main, ["eval", *args])


def test_cli_eval_degraded_exits_6_and_prints_failures(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(runner, "run_eval", _fake_run_eval(degraded_metrics(), seen))
    out = tmp_path / "eval.json"
    result = _invoke(["--gold", str(GOLD_DIR), "--corpus", str(SEEDS),
                      "--thresholds", str(THRESHOLDS), "-o", str(out)])
    assert result.exit_code == 6, result.output
    assert "FAIL extraction.recall.alliance 0.10 < " in result.stderr
    assert "FAIL qa.answer_accuracy 0.00 < " in result.stderr
    assert "quality gate failed: 2 metric(s)" in result.stderr
    # the table (plain text when not a tty) is in the log, with PASS/FAIL marks
    assert "extraction.recall.alliance" in result.stdout and "FAIL" in result.stdout
    assert "PASS" in result.stdout
    assert seen["suites"] == {"extraction", "qa", "retrieval"}  # all = what the gold allows
    assert seen["store_dir"] is None
    data = json.loads(out.read_text("utf-8"))
    assert data["passed"] is False and len(data["failures"]) == 2
    assert data["metrics"]["qa.answer_accuracy"] == 0.0


def test_cli_eval_good_exits_0_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(runner, "run_eval", _fake_run_eval(good_metrics(), seen))
    result = _invoke(["--suite", "qa", "--suite", "retrieval", "--gold", str(GOLD_DIR / "qa.yaml"),
                      "--corpus", str(SEEDS), "--thresholds", str(THRESHOLDS), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # the table goes to stderr with --json
    assert data["passed"] is True and data["failures"] == []
    assert seen["suites"] == {"qa", "retrieval"}
    assert "quality gate passed" in result.stderr
    assert "fake eval running" in result.stderr


def test_cli_eval_never_uses_the_user_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(runner, "run_eval", _fake_run_eval(good_metrics(), seen))
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "user"), "eval", "--suite",
                                       "retrieval", "--gold", str(GOLD_DIR),
                                       "--thresholds", str(THRESHOLDS)])
    assert result.exit_code == 0, result.output
    assert seen["store_dir"] is None and Path(seen["store"]) != tmp_path / "user"
    result = _invoke(["--suite", "retrieval", "--gold", str(GOLD_DIR), "--thresholds",
                      str(THRESHOLDS), "--store", str(tmp_path / "evalstore")])
    assert result.exit_code == 0, result.output
    assert seen["store_dir"] == tmp_path / "evalstore"


def test_cli_eval_bad_inputs_exit_2(tmp_path: Path) -> None:
    result = _invoke(["--thresholds", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2 and "thresholds file not found" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _invoke(["--gold", str(empty), "--thresholds", str(THRESHOLDS)])
    assert result.exit_code == 2 and "no extraction or QA gold" in result.stderr
    result = _invoke(["--gold", str(GOLD_DIR), "--thresholds", str(THRESHOLDS),
                      "--benchmarks", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "benchmarks folder not found" in result.stderr
