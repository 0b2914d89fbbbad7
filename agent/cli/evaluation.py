"""``agent eval`` (the suites against gold data, and the quality gate) and ``agent bench``.

Heavy imports happen inside the commands. Exit codes: 0 all thresholds met, 6 a metric
missed its floor or exceeded its ceiling (one ``FAIL`` line each on stderr), 2 bad input
(gold, corpus, thresholds), 3/4/5 store/model failures as elsewhere in the CLI.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import click

from agent.cli.common import dump_json, handle_errors, settings_from

SUITE_CHOICES = ("extraction", "qa", "retrieval", "all")


_COUNT_WORDS = (".cost.", ".count.", "questions", "errors", "documents", "dropped")


def _fmt(x: float | None, name: str = "") -> str:
    if x is None:
        return "-"
    if not math.isfinite(x):
        return str(x)
    if x == int(x) and (abs(x) >= 2 or any(w in name for w in _COUNT_WORDS)):
        return f"{int(x)}"
    return f"{x:.3f}"


def metric_rows(metrics: Mapping[str, float], floors: Mapping[str, float],
                ceilings: Mapping[str, float], suites: Iterable[str] | None = None,
                ) -> list[tuple[str, str, str, str]]:
    """``(metric, value, threshold, status)`` rows: every measured metric plus thresholded
    metrics of the run ``suites`` (all when None) that were not measured (status ``SKIP``).
    Status is PASS/FAIL when the metric has a threshold."""
    ran = None if suites is None else set(suites)
    rows: list[tuple[str, str, str, str]] = []
    for name in sorted(set(metrics) | set(floors) | set(ceilings)):
        value = metrics.get(name)
        if value is None and ran is not None and name.split(".", 1)[0] not in ran:
            continue
        bounds = []
        if name in floors:
            bounds.append(f">= {floors[name]:g}")
        if name in ceilings:
            bounds.append(f"<= {ceilings[name]:g}")
        if value is None:
            rows.append((name, "-", ", ".join(bounds), "SKIP"))
            continue
        status = ""
        if bounds:
            bad = (math.isnan(value)
                   or (name in floors and value < floors[name])
                   or (name in ceilings and value > ceilings[name]))
            status = "FAIL" if bad else "PASS"
        rows.append((name, _fmt(value, name), ", ".join(bounds), status))
    return rows


def _console(stderr: bool) -> Any:
    from rich.console import Console

    console = Console(stderr=stderr, soft_wrap=False)
    if not console.is_terminal:  # CI log: plain text, wide enough for the metric names
        console = Console(stderr=stderr, soft_wrap=False, width=110, no_color=True)
    return console


def print_table(metrics: Mapping[str, float], thresholds: Path, *, stderr: bool,
                title: str, suites: Iterable[str] | None = None) -> None:
    from rich.table import Table

    from agent.evaluation.gate import load_thresholds

    floors, ceilings = load_thresholds(thresholds)
    table = Table(title=title)
    table.add_column("metric", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("threshold", no_wrap=True)
    table.add_column("gate", no_wrap=True)
    styles = {"PASS": "green", "FAIL": "bold red", "SKIP": "dim"}
    for name, value, bound, status in metric_rows(metrics, floors, ceilings, suites):
        table.add_row(name, value, bound, status, style=styles.get(status))
    _console(stderr).print(table)


def _thresholds_are_placeholders(path: Path) -> bool:
    import tomllib

    try:
        return bool(tomllib.loads(path.read_text(encoding="utf-8")).get("placeholder"))
    except (OSError, tomllib.TOMLDecodeError):
        return False


@click.command("eval")
@click.option("--suite", "suite", multiple=True, type=click.Choice(SUITE_CHOICES),
              default=("all",), show_default=True,
              help="Suite to run (repeatable); all = every suite the gold files allow.")
@click.option("--gold", "gold", multiple=True, type=click.Path(path_type=Path),
              default=(Path("evals/gold"),), show_default=True,
              help="Gold folder, or extraction/QA gold file (.yaml/.json/.jsonl); repeatable.")
@click.option("--corpus", type=click.Path(path_type=Path), default=Path("seeds"),
              show_default=True, help="Folder holding the gold documents (ingested).")
@click.option("--thresholds", type=click.Path(path_type=Path),
              default=Path("evals/thresholds.toml"), show_default=True,
              help="Floors/ceilings TOML for the quality gate.")
@click.option("--benchmarks", type=click.Path(path_type=Path), default=None,
              help="Also run the CMRC 2018 / DRCD retrieval benchmark from this folder "
                   "(retrieval suite; 1-2 minutes).")
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=None,
              help="Store for the eval corpus (default: <cache_dir>/eval-store/<corpus>-<hash>; "
                   "never the user's store).")
@click.option("--model", help="Model name (endpoint) for this run.")
@click.option("--qa-every", default=1, show_default=True, type=click.IntRange(1, 100),
              help="Ask every N-th gold question only (a fixed sample, in file order).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON result on stdout.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the JSON result here.")
@click.pass_context
@handle_errors
def eval_command(ctx: click.Context, suite: tuple[str, ...], gold: tuple[Path, ...], corpus: Path,
                 thresholds: Path, benchmarks: Path | None, store_dir: Path | None,
                 model: str | None, qa_every: int, as_json: bool, output: Path | None) -> None:
    """Evaluate extraction, QA and retrieval against gold data; exit 6 when a metric
    misses its threshold."""
    code = _eval(ctx, suite, gold, corpus, thresholds, benchmarks, store_dir, model, as_json,
                 output, qa_every=qa_every)
    if code:
        sys.exit(code)


def _eval(ctx: click.Context, suite: tuple[str, ...], gold: tuple[Path, ...], corpus: Path,
          thresholds: Path, benchmarks: Path | None, store_dir: Path | None, model: str | None,
          as_json: bool, output: Path | None, *, qa_every: int = 1) -> int:
    from agent.core.config import load_settings
    from agent.core.errors import InputError
    from agent.core.files import write_text_atomic
    from agent.evaluation import runner
    from agent.evaluation.gate import load_thresholds
    from agent.evaluation.gold import GoldError

    load_thresholds(thresholds)  # fail on a bad thresholds file before any work
    if benchmarks is not None and not benchmarks.is_dir():
        raise InputError(f"benchmarks folder not found: {benchmarks}")
    gold_paths = list(gold) or [Path("evals/gold")]
    if "all" in suite:
        suites = runner.available_suites(runner.find_gold(gold_paths), benchmarks)
        if not suites:
            raise GoldError(f"no extraction or QA gold found in {', '.join(map(str, gold_paths))}")
    else:
        suites = set(suite)
    base = dict(ctx.obj or {})
    base.pop("store", None)  # the eval store is separate from the user's store
    settings = load_settings({**base, "model": model})

    def echo(message: str) -> None:
        click.echo(message, err=True)

    result = runner.run_eval(settings, suites=suites, gold_dir=gold_paths, corpus=corpus,
                             benchmarks=benchmarks, echo=echo, store_dir=store_dir,
                             qa_every=qa_every)
    code, failures = runner.gate_exit_code(result.metrics, thresholds)
    data = result.as_json()
    data["thresholds"] = str(thresholds)
    data["failures"] = failures
    data["passed"] = not failures
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output:
        write_text_atomic(output, text + "\n")
    threads = result.details.get("threads")
    on_threads = f"; embedded model on {threads} threads" if threads else ""
    title = (f"eval: {', '.join(result.suites)} on {corpus} "
             f"({result.wall_s:.1f}s{on_threads})")
    print_table(result.metrics, thresholds, stderr=as_json, title=title,
                suites=result.suites)
    if _thresholds_are_placeholders(thresholds):
        click.echo(f"note: {thresholds} is marked placeholder = true", err=True)
    if as_json:
        click.echo(text)
    if output:
        click.echo(f"wrote {output}", err=True)
    for line in failures:
        click.echo(f"FAIL {line}", err=True)
    if failures:
        click.echo(f"quality gate failed: {len(failures)} metric(s) outside thresholds "
                   f"({thresholds})", err=True)
    else:
        click.echo(f"quality gate passed ({thresholds})", err=True)
    return code


@click.group()
def bench() -> None:
    """Benchmarks (print figures; not tests)."""


@bench.command("retrieval")
@click.option("--benchmarks", type=click.Path(path_type=Path), default=Path("../shared/benchmarks"),
              show_default=True)
@click.option("--scale", default=10000, show_default=True,
              help="Chunks for the scale run (0: skip).")
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def bench_retrieval(benchmarks: Path, scale: int, as_json: bool) -> None:
    """hit@1/hit@5/MRR for dense, BM25 and hybrid on CMRC 2018 and DRCD samples."""
    from agent.evaluation.bench import run_retrieval_bench

    result = run_retrieval_bench(benchmarks, scale=scale, echo=click.echo)
    if as_json:
        dump_json(result)


@bench.command("qa")
@click.option("--benchmarks", type=click.Path(path_type=Path), default=Path("../shared/benchmarks"),
              show_default=True)
@click.option("--per-side", default=10, show_default=True, type=click.IntRange(1, 300),
              help="Questions per dataset on indexed contexts, and as many on held-out ones.")
@click.option("--model", help="Model name (endpoint) for this run.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handle_errors
def bench_qa(ctx: click.Context, benchmarks: Path, per_side: int, model: str | None,
             as_json: bool) -> None:
    """CMRC 2018 / DRCD as QA: answered on indexed contexts, refused on held-out ones."""
    from agent.evaluation.bench import run_qa_bench
    from agent.llm.client import LLM

    settings = settings_from(ctx, model=model)
    with LLM.from_settings(settings, "bench") as llm:
        result = run_qa_bench(benchmarks, llm, per_side=per_side,
                              echo=lambda line: click.echo(line, err=as_json))
        result["usage"] = llm.usage()
    if as_json:
        dump_json(result)
