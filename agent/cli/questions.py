"""``agent ask`` and ``agent chat``: cited answers."""

from __future__ import annotations

import sys

import click

from agent.cli.common import dump_json, handle_errors, settings_from


@click.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("-k", "k", default=3, show_default=True, type=click.IntRange(1, 50),
              help="Chunks to retrieve.")
@click.option("--model", help="Model name (endpoint) for this run.")
@click.pass_context
@handle_errors
def ask(ctx: click.Context, question: str, as_json: bool, k: int, model: str | None) -> None:
    """Answer a question from the stored documents, with verified citations."""
    from agent.index.store import Store
    from agent.llm.client import LLM
    from agent.qa.answer import answer_json, answer_question
    from agent.qa.chat import format_sources

    settings = settings_from(ctx, model=model)
    store = Store(settings)
    with LLM.from_settings(settings, "ask") as llm:
        answer = answer_question(store, llm, question, k=k)
        if as_json:
            dump_json(answer_json(answer, model=llm.usage().get("model")))
            return
    click.echo(answer.answer)
    lines = format_sources(answer)
    if lines:
        click.echo("")
        for line in lines:
            click.echo(line)


@click.command()
@click.option("--continue", "resume", is_flag=True, help="Resume the last session.")
@click.option("-k", "k", default=3, show_default=True, help="Chunks to retrieve.")
@click.option("--model", help="Model name (endpoint) for this run.")
@click.pass_context
@handle_errors
def chat(ctx: click.Context, resume: bool, k: int, model: str | None) -> None:
    """Interactive cited Q&A (JSON lines when stdin is not a terminal)."""
    from agent.index.store import Store
    from agent.llm.client import LLM
    from agent.qa.chat import run_chat

    settings = settings_from(ctx, model=model)
    store = Store(settings)
    with LLM.from_settings(settings, "chat") as llm:
        code = run_chat(store, llm, resume=resume, k=k)
    if code:
        sys.exit(code)

