"""``agent ingest``, ``agent search``, ``agent docs``: the store."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from agent.cli.common import console, dump_json, handle_errors, settings_from

R = TypeVar("R")


@click.command()
@click.argument("paths", nargs=-1)
@click.option("--prune", is_flag=True, help="Remove stored documents whose files are gone.")
@click.option("--refetch", is_flag=True, help="Fetch URLs already in the store again.")
@click.option("--rebuild", is_flag=True,
              help="Check the catalog (PRAGMA integrity_check); when it is damaged, rebuild the "
                   "store from the files it lists, or from PATHS when it cannot list them, in a "
                   "new folder swapped in when complete (the old store is kept beside it).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
@handle_errors
def ingest(ctx: click.Context, paths: tuple[str, ...], prune: bool, refetch: bool,
           rebuild: bool, as_json: bool) -> None:
    """Ingest files, folders or http(s) URLs (.txt, .md, .html, .pdf, .docx) into the
    store."""
    from agent.index.store import Store
    from agent.ingest.pipeline import expand_paths
    from agent.ingest.pipeline import ingest as run_ingest
    from agent.ingest.sources import is_url

    if not paths and not rebuild:
        raise click.UsageError("Missing argument 'PATHS...'.", ctx)
    settings = settings_from(ctx)
    files = expand_paths(p if is_url(p) else Path(p) for p in paths)
    report = _rebuild(settings, files, as_json) if rebuild else None
    store = Store(settings)
    if report is None:  # also with no files: the run matches Chroma and BM25 to the catalog
        report = _with_progress(
            len(files), as_json,
            lambda advance: run_ingest(store, files, prune=prune, refetch=refetch,
                                       on_file=advance),
        )
    _print_ingest(report, store, settings.store, as_json)
    if report.failed:
        sys.exit(2)


def _with_progress(total: int, quiet: bool, work: Callable[[Callable[[Any], None]], R]) -> R:
    """Run ``work(advance)`` under an ingest progress bar (stderr, terminals only)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    err = console(stderr=True)
    with Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=err,
                  disable=quiet or not err.is_terminal) as progress:
        task = progress.add_task("", total=total)

        def advance(result: Any) -> None:
            if result.status != "removed":
                progress.update(task, advance=1, description=Path(result.path).name)

        return work(advance)


def _rebuild(settings: Any, files: list[Path | str], quiet: bool) -> Any:
    """``ingest --rebuild``: None when the catalog is sound (the caller then ingests as
    usual), else the report of the rebuilt store."""
    from agent.core.errors import StoreError
    from agent.index.store import CATALOG, catalog_problem, catalog_sources, rebuild_store
    from agent.ingest.pipeline import ingest as run_ingest

    root = Path(settings.store)
    problem = catalog_problem(root)
    if problem is None:
        click.echo(f"catalog {root / CATALOG} passes the integrity check: nothing to rebuild",
                   err=True)
        return None
    listed, complete = catalog_sources(root)
    gone = [p for p in listed if not p.exists()]
    sources = [p for p in listed if p.exists()] + files
    if not sources:
        why = "lists no source file that still exists" if complete else (
            "its list of source files cannot be read")
        raise StoreError(f"the catalog {root / CATALOG} is damaged ({problem}) and {why}: "
                         "give the source folders: `agent ingest --rebuild PATH...`")
    click.echo(f"warning: the catalog {root / CATALOG} is damaged ({problem}): rebuilding "
               f"the store from {len(sources)} source paths", err=True)
    if gone:
        click.echo(f"warning: {len(gone)} documents of the old store have no source file any "
                   f"more and are left out (e.g. {gone[0]})", err=True)
    if not complete and not files:
        click.echo("warning: the catalog's list of documents could be read only in part: "
                   "add the source folders to rebuild every document", err=True)
    report, aside = _with_progress(
        len(sources), quiet,
        lambda advance: rebuild_store(
            settings, lambda new: run_ingest(new, sources, on_file=advance)),
    )
    click.echo(f"store rebuilt; the damaged one is kept at {aside} (delete it when no longer "
               "needed)", err=True)
    return report


def _print_ingest(report: Any, store: Any, where: Path, as_json: bool) -> None:
    from rich.table import Table

    docs, chunks = store.counts()
    for r in report.failed:
        click.echo(f"error: {r.error}", err=True)
    if as_json:
        dump_json({"files": [r.__dict__ for r in report.results],
                   "store": {"documents": docs, "chunks": chunks}})
        return
    table = Table(title=f"ingest → {where}")
    for col in ("file", "status", "chunks", "title"):
        table.add_column(col)
    for r in report.results:
        table.add_row(Path(r.path).name, r.status, str(r.chunks), r.title or r.error)
    out = console()
    out.print(table)
    out.print(f"store: {docs} documents, {chunks} chunks")


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
    from agent.ingest.sources import display_name

    store = Store(settings_from(ctx))
    documents = store.documents()
    if as_json:
        dump_json({"documents": [d.as_json() for d in documents]})
        return
    table = Table(title=f"{len(documents)} documents in {store.root}")
    for col in ("doc_id", "file", "format", "title", "published", "script", "chunks"):
        table.add_column(col)
    for d in documents:
        pages = len(d.source.pages)
        kind = f"{d.source.format}, {pages} page{'s' if pages != 1 else ''}" if pages else (
            d.source.format)
        table.add_row(d.doc_id, display_name(d.path), kind, d.title, d.published or "", d.script,
                      str(d.n_chunks))
    console().print(table)


