"""``agent ingest``, ``agent search``, ``agent docs``: the store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from agent.cli.common import console, dump_json, handle_errors, settings_from


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Remove stored documents whose files are gone.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
@handle_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], prune: bool, as_json: bool) -> None:
    """Ingest files or folders (.txt, .md, .html) into the store."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from agent.index.store import Store
    from agent.ingest.pipeline import expand_paths
    from agent.ingest.pipeline import ingest as run_ingest

    settings = settings_from(ctx)
    files = expand_paths(paths)
    store = Store(settings)
    err = console(stderr=True)
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
        out = console()
        out.print(table)
        out.print(f"store: {docs} documents, {chunks} chunks")
    if report.failed:
        sys.exit(2)


@click.command()
@click.argument("query")
@click.option("-k", "k", default=5, show_default=True, help="Number of chunks.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid",
              show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handle_errors
def search(ctx: click.Context, query: str, k: int, mode: str, as_json: bool) -> None:
    """Search stored chunks (query in simplified or traditional script)."""
    from agent.index.retrieval import search as run_search
    from agent.index.store import Store

    store = Store(settings_from(ctx))
    hits = run_search(store, query, k=k, mode=mode)  # type: ignore[arg-type]
    if as_json:
        dump_json({"query": query, "mode": mode,
                   "hits": [h.as_json(i + 1) for i, h in enumerate(hits)]})
        return
    out = console()
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


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handle_errors
def docs(ctx: click.Context, as_json: bool) -> None:
    """List stored documents."""
    from rich.table import Table

    from agent.index.store import Store

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
    console().print(table)


