"""Command line: a thin layer over the Python API. Heavy imports happen inside commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=False)


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handle_errors(func: F) -> F:
    """Turn expected failures into one line on stderr and a non-zero exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from agent.config import ConfigError
        from agent.errors import AgentError

        try:
            return func(*args, **kwargs)
        except AgentError as exc:
            fail(str(exc), exc.exit_code)
        except ConfigError as exc:
            fail(str(exc), 2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def settings_from(ctx: click.Context, **overrides: Any) -> Any:
    from agent.config import load_settings

    base = dict(ctx.obj or {})
    base.update({k: v for k, v in overrides.items() if v is not None})
    return load_settings(base)


def dump_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", type=click.Path(path_type=Path), envvar="AGENT_STORE",
              help="Store folder (default ./.agent).")
@click.version_option(package_name="zhijiao-agent")
@click.pass_context
def main(ctx: click.Context, store: Path | None) -> None:
    """zhijiao-agent: structured summaries and cited answers for Chinese
    vocational-education news."""
    from agent import interrupt

    interrupt.install()
    ctx.obj = {"store": store} if store else {}


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Remove stored documents whose files are gone.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
@handle_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], prune: bool, as_json: bool) -> None:
    """Ingest files or folders (.txt, .md, .html) into the store."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from agent.ingest import expand_paths
    from agent.ingest import ingest as run_ingest
    from agent.store import Store

    settings = settings_from(ctx)
    files = expand_paths(paths)
    store = Store(settings)
    err = _console(stderr=True)
    with Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=err,
                  disable=as_json or not err.is_terminal) as progress:
        task = progress.add_task("", total=len(files))

        def advance(result: Any) -> None:
            if result.status != "removed":
                progress.update(task, advance=1, description=Path(result.path).name)

        report = run_ingest(store, files, prune=prune, on_file=advance)
    docs, chunks = store.counts()
    for r in report.failed:
        click.echo(f"error: {r.error}", err=True)
    if as_json:
        dump_json({"files": [r.__dict__ for r in report.results],
                   "store": {"documents": docs, "chunks": chunks}})
    else:
        table = Table(title=f"ingest → {settings.store}")
        for col in ("file", "status", "chunks", "title"):
            table.add_column(col)
        for r in report.results:
            table.add_row(Path(r.path).name, r.status, str(r.chunks), r.title or r.error)
        out = _console()
        out.print(table)
        out.print(f"store: {docs} documents, {chunks} chunks")
    if report.failed:
        sys.exit(2)


@main.command()
@click.argument("query")
@click.option("-k", "k", default=5, show_default=True, help="Number of chunks.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid",
              show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handle_errors
def search(ctx: click.Context, query: str, k: int, mode: str, as_json: bool) -> None:
    """Search stored chunks (query in simplified or traditional script)."""
    from agent.retrieval import search as run_search
    from agent.store import Store

    store = Store(settings_from(ctx))
    hits = run_search(store, query, k=k, mode=mode)  # type: ignore[arg-type]
    if as_json:
        dump_json({"query": query, "mode": mode,
                   "hits": [h.as_json(i + 1) for i, h in enumerate(hits)]})
        return
    out = _console()
    if not hits:
        out.print("no matching chunks (is the store empty? run `agent ingest` first)")
    for i, h in enumerate(hits, 1):
        c = h.chunk
        out.print(f"[bold]{i}. {Path(c.path).name}[/bold] [{c.start}:{c.end}] "
                  f"score={h.score:.3f} dense={_fmt(h.dense)} bm25={_fmt(h.lexical)}",
                  highlight=False)
        out.print(c.text[:300].replace("\n", " "), highlight=False, markup=False)
        out.print()


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handle_errors
def docs(ctx: click.Context, as_json: bool) -> None:
    """List stored documents."""
    from rich.table import Table

    from agent.store import Store

    store = Store(settings_from(ctx))
    documents = store.documents()
    if as_json:
        dump_json({"documents": [d.as_json() for d in documents]})
        return
    table = Table(title=f"{len(documents)} documents in {store.root}")
    for col in ("doc_id", "file", "title", "published", "script", "chunks"):
        table.add_column(col)
    for d in documents:
        table.add_row(d.doc_id, Path(d.path).name, d.title, d.published or "", d.script,
                      str(d.n_chunks))
    _console().print(table)


def _ingest_paths(store: Any, paths: tuple[Path, ...]) -> None:
    """Bring given files/folders up to date in the store first (incremental, quiet)."""
    if not paths:
        return
    from agent.ingest import ingest as run_ingest

    report = run_ingest(store, paths)
    for r in report.failed:
        click.echo(f"error: {r.error}", err=True)


def _run_summary(ctx: click.Context, paths: tuple[Path, ...], model: str | None, command: str,
                 quiet: bool) -> tuple[Any, Any, Any, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agent.llm.client import LLM
    from agent.store import Store
    from agent.summarize import select_documents, summarize

    settings = settings_from(ctx, model=model)
    store = Store(settings)
    _ingest_paths(store, paths)
    documents = select_documents(store, paths)
    if not documents:
        from agent.errors import InputError

        raise InputError("the store is empty: run `agent ingest PATH` first or pass paths")
    llm = LLM.from_settings(settings, command)
    err = _console(stderr=True)
    with Progress(TextColumn(command), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err,
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


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON shape.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the JSON here.")
@click.option("--model", help="Model name (endpoint) for this run.")
@click.pass_context
@handle_errors
def summarize(ctx: click.Context, paths: tuple[Path, ...], as_json: bool, output: Path | None,
              model: str | None) -> None:
    """Extract events, alliances and targets (with verified evidence) from documents."""
    from rich.table import Table

    from agent.atomic import write_text_atomic

    _settings, _store, llm, run = _run_summary(ctx, paths, model, "summarize", as_json)
    llm.close()
    data = run.as_json()
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output:
        write_text_atomic(output, text + "\n")
    if as_json:
        click.echo(text)
    else:
        out = _console()
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
    for d in run.failed:
        click.echo(f"error: {Path(d.path).name}: {d.error}", err=True)
    if run.failed:
        sys.exit(4)


def _paths(run: Any, doc_ids: list[str]) -> list[str]:
    by_id = {d.doc_id: d.path for d in run.documents}
    return [by_id[i] for i in doc_ids if i in by_id]


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=Path("report"),
              show_default=True, help="Output folder.")
@click.option("--title", default="职业教育动态汇总报告", show_default=True)
@click.option("--format", "formats", default="md,html,json", show_default=True,
              help="Comma-separated: md, html, json.")
@click.option("--no-overview", is_flag=True, help="Skip the LLM-written executive summary.")
@click.option("--model", help="Model name (endpoint) for this run.")
@click.pass_context
@handle_errors
def report(ctx: click.Context, paths: tuple[Path, ...], out_dir: Path, title: str, formats: str,
           no_overview: bool, model: str | None) -> None:
    """Write report.md, report.html and report.json for the corpus."""
    from agent.errors import InputError
    from agent.overview import write_overview
    from agent.report import write_report
    from agent.reporting import build_report

    wanted = {f.strip().lower() for f in formats.split(",") if f.strip()}
    if not wanted or not wanted <= {"md", "markdown", "html", "json"}:
        raise InputError(f"--format takes md, html, json (got {formats!r})")
    _settings, store, llm, run = _run_summary(ctx, paths, model, "report", False)
    try:
        overview = [] if no_overview else write_overview(llm, run.merged)
        run.usage = llm.usage()
    finally:
        llm.close()
    data = build_report(store, run, title=title, model=llm.model, overview=overview)
    written = write_report(data, out_dir, wanted)
    for d in run.failed:
        click.echo(f"error: {Path(d.path).name}: {d.error}", err=True)
    click.echo(f"report: {len(run.documents)} documents, {len(run.merged.events)} events, "
               f"{len(run.merged.alliances)} alliances, {len(run.merged.targets)} targets "
               f"in {run.wall_s:.1f}s")
    for fmt, path in written.items():
        click.echo(f"  {fmt}: {path}")
    if run.failed:
        sys.exit(4)


@main.command()
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
        from agent.errors import InputError

        raise InputError(str(exc)) from exc
    if as_json:
        dump_json({"usage": rows})
        return
    if not rows:
        _console().print("no LLM calls recorded yet")
        return
    table = Table(title=f"LLM usage ({settings.cache_dir})")
    for col in rows[0]:
        table.add_column(col)
    for r in rows:
        table.add_row(*("" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
                        for v in r.values()))
    _console().print(table)


@main.group()
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
    from agent.bench import run_retrieval_bench

    result = run_retrieval_bench(benchmarks, scale=scale, echo=click.echo)
    if as_json:
        dump_json(result)


from agent.cli_eval import eval_command  # noqa: E402

main.add_command(eval_command, "eval")


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("-k", "k", default=3, show_default=True, type=click.IntRange(1, 50),
              help="Chunks to retrieve.")
@click.option("--model", help="Model name (endpoint) for this run.")
@click.pass_context
@handle_errors
def ask(ctx: click.Context, question: str, as_json: bool, k: int, model: str | None) -> None:
    """Answer a question from the stored documents, with verified citations."""
    from agent.chat import format_sources
    from agent.llm.client import LLM
    from agent.qa import answer_json, answer_question
    from agent.store import Store

    settings = settings_from(ctx, model=model)
    store = Store(settings)
    with LLM.from_settings(settings, "ask") as llm:
        answer = answer_question(store, llm, question, k=k)
        if as_json:
            dump_json(answer_json(answer, usage=llm.usage()))
            return
    click.echo(answer.answer)
    lines = format_sources(answer)
    if lines:
        click.echo("")
        for line in lines:
            click.echo(line)


@main.command()
@click.option("--continue", "resume", is_flag=True, help="Resume the last session.")
@click.option("-k", "k", default=3, show_default=True, help="Chunks to retrieve.")
@click.option("--model", help="Model name (endpoint) for this run.")
@click.pass_context
@handle_errors
def chat(ctx: click.Context, resume: bool, k: int, model: str | None) -> None:
    """Interactive cited Q&A (JSON lines when stdin is not a terminal)."""
    from agent.chat import run_chat
    from agent.llm.client import LLM
    from agent.store import Store

    settings = settings_from(ctx, model=model)
    store = Store(settings)
    with LLM.from_settings(settings, "chat") as llm:
        code = run_chat(store, llm, resume=resume, k=k)
    if code:
        sys.exit(code)

if __name__ == "__main__":
    main()
