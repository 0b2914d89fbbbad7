"""``agent summarize``, ``agent report``, ``agent usage``: extraction and its outputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from agent.cli.common import console, dump_json, handle_errors, settings_from


def _ingest_paths(store: Any, paths: tuple[Path, ...]) -> None:
    """Bring given files/folders up to date in the store first (incremental, quiet)."""
    if not paths:
        return
    from agent.ingest.pipeline import ingest as run_ingest

    report = run_ingest(store, paths)
    for r in report.failed:
        click.echo(f"error: {r.error}", err=True)


def _run_summary(ctx: click.Context, paths: tuple[Path, ...], model: str | None, command: str,
                 quiet: bool) -> tuple[Any, Any, Any, Any]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    from agent.extract.summarize import select_documents, summarize
    from agent.index.store import Store
    from agent.llm.client import LLM

    settings = settings_from(ctx, model=model)
    store = Store(settings)
    _ingest_paths(store, paths)
    documents = select_documents(store, paths)
    if not documents:
        from agent.core.errors import InputError

        raise InputError("the store is empty: run `agent ingest PATH` first or pass paths")
    llm = LLM.from_settings(settings, command)
    err = console(stderr=True)

    class WritingRate(ProgressColumn):
        """The model's output tokens per second of model time so far: a slow machine shows
        as slow rather than hung (blank until the first model call ends)."""

        def render(self, task: Any) -> Text:
            usage = llm.usage()
            if not usage["calls"] or usage["latency_s"] <= 0:
                return Text("")
            rate = usage["completion_tokens"] / usage["latency_s"]
            return Text(f"{rate:.1f} tok/s", style="dim")

    with Progress(TextColumn(command), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  WritingRate(), TextColumn("{task.description}"), console=err,
                  disable=quiet or not err.is_terminal) as progress:
        task = progress.add_task("", total=len(documents))

        def advance(doc: Any) -> None:
            progress.update(task, advance=1, description=Path(doc.path).name)

        try:
            run = summarize(store, llm, documents, on_document=advance)
        except BaseException:
            llm.close()
            raise
    return settings, store, llm, run


def _finish(run: Any, keep_going: bool) -> None:
    """One line per document that failed or was only partly read; exit 4 if any, unless
    ``--keep-going`` (then they are warnings: the output holds everything else)."""
    from agent.report.model import partial_reason

    level = "warning" if keep_going else "error"
    for d in run.documents:
        if d.error:
            click.echo(f"{level}: {Path(d.path).name}: {d.error}", err=True)
        elif d.failed_windows:
            click.echo(f"{level}: {Path(d.path).name}: {partial_reason(d)}", err=True)
    if not keep_going and any(d.error or d.failed_windows for d in run.documents):
        sys.exit(4)


KEEP_GOING = click.option(
    "--keep-going", is_flag=True,
    help="Exit 0 when some documents or windows failed (they are listed as warnings).")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON shape.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the JSON here.")
@click.option("--model", help="Model name (endpoint) for this run.")
@KEEP_GOING
@click.pass_context
@handle_errors
def summarize(ctx: click.Context, paths: tuple[Path, ...], as_json: bool, output: Path | None,
              model: str | None, keep_going: bool) -> None:
    """Extract events, alliances and targets (with verified evidence) from documents."""
    from rich.table import Table

    from agent.core.files import check_output_file, write_text_atomic

    if output:
        check_output_file(output)  # before the model run, not after it
    _settings, _store, llm, run = _run_summary(ctx, paths, model, "summarize", as_json)
    llm.close()
    data = run.as_json()
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output:
        try:
            write_text_atomic(output, text + "\n")
        except OSError as exc:
            from agent.core.errors import InputError

            raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    if as_json:
        click.echo(text)
    else:
        out = console()
        for title, rows, cols in (
            ("alliances", [(a.name, a.kind, a.lead or "", "、".join(a.members[:4]),
                            ", ".join(Path(p).name[:3] for p in _paths(run, a.doc_ids)))
                           for a in run.merged.alliances],
             ("name", "kind", "lead", "members", "docs")),
            ("events", [(e.name, e.event_type, e.date or "", e.location or "",
                         ", ".join(Path(p).name[:3] for p in _paths(run, e.doc_ids)))
                        for e in run.merged.events], ("name", "type", "date", "location", "docs")),
            ("targets", [(t.metric, t.amount_text, f"{t.value:g} {t.unit or ''}",
                          str(t.deadline_year or ""), t.status)
                         for t in run.merged.targets],
             ("metric", "amount", "value", "deadline", "status")),
        ):
            table = Table(title=f"{title} ({len(rows)})")
            for c in cols:
                table.add_column(c)
            for r in rows:
                table.add_row(*r)
            out.print(table)
        u = run.usage
        out.print(f"{len(run.documents)} documents in {run.wall_s:.1f}s; model calls {u['calls']}, "
                  f"cache hits {u['cache_hits']}, tokens {u['prompt_tokens']}+"
                  f"{u['completion_tokens']}; window/corpus tokens "
                  f"{run.window_tokens}/{run.corpus_tokens}")
    _finish(run, keep_going)


def _paths(run: Any, doc_ids: list[str]) -> list[str]:
    by_id = {d.doc_id: d.path for d in run.documents}
    return [by_id[i] for i in doc_ids if i in by_id]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=Path("report"),
              show_default=True, help="Output folder.")
@click.option("--title", default="职业教育动态汇总报告", show_default=True)
@click.option("--format", "formats", default="md,html,json", show_default=True,
              help="Comma-separated: md, html, json, xlsx, csv (one file per sheet).")
@click.option("--no-overview", is_flag=True, help="Skip the LLM-written executive summary.")
@click.option("--model", help="Model name (endpoint) for this run.")
@KEEP_GOING
@click.pass_context
@handle_errors
def report(ctx: click.Context, paths: tuple[Path, ...], out_dir: Path, title: str, formats: str,
           no_overview: bool, model: str | None, keep_going: bool) -> None:
    """Write report.md, report.html and report.json for the corpus (and, asked for, the
    report.xlsx and report-*.csv exports)."""
    from agent.core.errors import InputError
    from agent.core.files import check_output_dir
    from agent.report import write_report
    from agent.report.build import build_report
    from agent.report.overview import overview_or_none
    from agent.report.writer import normalise_formats

    wanted = {f.strip().lower() for f in formats.split(",") if f.strip()}
    try:
        if not normalise_formats(wanted):
            raise ValueError("no format given")
    except ValueError as exc:
        raise InputError(f"--format takes md, html, json, xlsx, csv (got {formats!r})") from exc
    check_output_dir(out_dir)  # before the model run, not after it
    _settings, store, llm, run = _run_summary(ctx, paths, model, "report", False)
    try:
        overview, skipped = ([], None) if no_overview else overview_or_none(llm, run.merged)
        if skipped:
            click.echo(f"warning: report written without the overview: {skipped}", err=True)
        run.usage = llm.usage()
    finally:
        llm.close()
    data = build_report(store, run, title=title, model=llm.model, overview=overview)
    written = write_report(data, out_dir, wanted)
    click.echo(f"report: {len(run.documents)} documents, {len(run.merged.events)} events, "
               f"{len(run.merged.alliances)} alliances, {len(run.merged.targets)} targets "
               f"in {run.wall_s:.1f}s")
    for fmt, path in written.items():
        click.echo(f"  {fmt}: {path}")
    _finish(run, keep_going)


@click.command()
@click.option("--by", default="command,model", show_default=True,
              help="Group by: command, model, prompt_name, prompt_version, cache_hit, ok, day.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handle_errors
def usage(ctx: click.Context, by: str, as_json: bool) -> None:
    """Token, call and cost totals from the LLM call log."""
    from rich.table import Table

    from agent.llm.cache import LLMCache

    settings = settings_from(ctx)
    cache = LLMCache.for_cache_dir(settings.cache_dir)
    try:
        rows = cache.usage_totals(group_by=tuple(x.strip() for x in by.split(",") if x.strip()))
    except ValueError as exc:
        from agent.core.errors import InputError

        raise InputError(str(exc)) from exc
    if as_json:
        dump_json({"usage": rows})
        return
    if not rows:
        console().print("no LLM calls recorded yet")
        return
    table = Table(title=f"LLM usage ({settings.cache_dir})")
    for col in rows[0]:
        table.add_column(col)
    for r in rows:
        table.add_row(*("" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
                        for v in r.values()))
    console().print(table)


