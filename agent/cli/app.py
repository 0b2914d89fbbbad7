"""The ``agent`` command group. Each command family lives in its own module; heavy imports
happen inside the commands so that ``agent --help`` stays fast."""

from __future__ import annotations

from pathlib import Path

import click

from agent.cli import documents, evaluation, questions, summaries


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", type=click.Path(path_type=Path), envvar="AGENT_STORE",
              help="Store folder (default ./.agent).")
@click.option("-v", "--verbose", count=True,
              help="Show library log lines (LLM retries, HTTP requests); -vv for debug.")
@click.version_option(package_name="zhijiao-agent")
@click.pass_context
def main(ctx: click.Context, store: Path | None, verbose: int) -> None:
    """zhijiao-agent: structured summaries and cited answers for Chinese
    vocational-education news."""
    from agent.cli.common import setup_logging
    from agent.core import interrupt

    setup_logging(verbose)
    interrupt.install()
    ctx.obj = {"store": store} if store else {}


for command in (
    documents.ingest, documents.search, documents.docs,
    summaries.summarize, summaries.report, summaries.usage,
    questions.ask, questions.chat,
    evaluation.eval_command, evaluation.bench,
):
    main.add_command(command)
