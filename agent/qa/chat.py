"""Interactive cited Q&A (``agent chat``): follow-up rewriting, commands, saved sessions.

* Each question goes through :func:`agent.qa.answer.answer_question`; a follow-up (“它是哪天成立
  的？”) is first rewritten into a standalone question from the last turns with one small
  LLM call (``prompts/rewrite.md``), skipped when the question has no pronoun/ellipsis
  cue. The rewrite is shown (TTY) or returned as ``standalone_question`` (JSON lines).
* Answers are shown only after their citations are verified, so a spinner runs while
  the model works (no unverified text is streamed).
* Sessions live in ``<cache_dir>/chat.sqlite`` (tables ``sessions`` and ``turns``:
  question, standalone question, answer JSON); ``--continue`` resumes the last one.
* TTY: prompt_toolkit line editing with a history file under ``cache_dir``; Ctrl-C cancels
  the current answer (the session goes on), Ctrl-D or ``/exit`` leaves.
* Not a TTY: one question per input line, one JSON answer per output line (the ``ask
  --json`` shape plus ``standalone_question``); ``/command`` lines print a JSON object.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from agent.core.errors import AgentError, StoreError
from agent.core.migrations import Migrations
from agent.llm.base import ChatModel
from agent.qa.schemas import Answer

HISTORY_TURNS = 3
COMMANDS: dict[str, str] = {
    "/sources": "完整引文（文件、偏移）/ full quotes of the last answer",
    "/docs": "已入库的文档 / stored documents",
    "/reset": "开始新会话（清空上下文）/ start a new session",
    "/help": "帮助 / this help",
    "/exit": "退出（或 Ctrl-D）/ leave",
}

chat_migrations = Migrations()


@chat_migrations
def m001_initial(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started REAL NOT NULL,
            store TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS turns (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            created REAL NOT NULL,
            question TEXT NOT NULL,
            standalone TEXT NOT NULL,
            answer TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS turns_by_session ON turns(session_id, id)")


class ChatDB:
    """Saved chat sessions in ``<cache_dir>/chat.sqlite``."""

    def __init__(self, path: Path) -> None:
        from agent.core.files import private_dir, private_file

        private_file(private_dir(path.parent) / path.name)  # questions and answers: owner only
        self.path = path
        self.db = sqlite3.connect(path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        chat_migrations.apply(self.db)

    def new_session(self, store: str) -> int:
        with self.db:
            cur = self.db.execute("INSERT INTO sessions(started, store) VALUES (?, ?)",
                                  (time.time(), store))
        return int(cur.lastrowid or 0)

    def last_session(self, store: str | None = None) -> int | None:
        sql = "SELECT id FROM sessions"
        params: tuple[Any, ...] = ()
        if store is not None:
            sql += " WHERE store = ?"
            params = (store,)
        row = self.db.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
        return int(row[0]) if row else None

    def add_turn(self, session_id: int, answer: Answer) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO turns(session_id, created, question, standalone, answer) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, time.time(), answer.question,
                 answer.standalone_question or answer.question, answer.model_dump_json()))

    def turns(self, session_id: int) -> list[Answer]:
        rows = self.db.execute("SELECT answer FROM turns WHERE session_id = ? ORDER BY id",
                               (session_id,)).fetchall()
        return [Answer.model_validate_json(r[0]) for r in rows]

    def close(self) -> None:
        self.db.close()


@dataclass
class ChatSession:
    """One conversation: rewriting, answering, saving; UI-independent."""

    store: Any
    llm: ChatModel
    db: ChatDB
    k: int = 3
    session_id: int = 0
    answers: list[Answer] = field(default_factory=list)
    # llm.usage() when the last answer was given: an answer's usage is what it cost,
    # including its follow-up rewrite, not the session's running total.
    usage_mark: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, store: Any, llm: ChatModel, *, resume: bool = False, k: int = 3) -> ChatSession:
        if store.counts()[0] == 0:
            raise StoreError(f"the store at {store.root} is empty: run `agent ingest PATH` first")
        db = ChatDB(Path(store.settings.cache_dir).expanduser() / "chat.sqlite")
        where = str(Path(store.root).resolve())
        session = cls(store, llm, db, k=k, usage_mark=llm.usage())
        last = db.last_session(where) if resume else None
        if last is not None:
            session.session_id = last
            session.answers = db.turns(last)
        else:
            session.session_id = db.new_session(where)
        return session

    @property
    def history(self) -> list[tuple[str, str]]:
        """Last turns as ``(standalone question, answer text)`` for the rewrite prompt."""
        return [(a.standalone_question or a.question, a.answer)
                for a in self.answers[-HISTORY_TURNS:]]

    @property
    def last(self) -> Answer | None:
        return self.answers[-1] if self.answers else None

    def standalone(self, question: str) -> str:
        from agent.qa.answer import rewrite_question

        return rewrite_question(self.llm, question, self.history)

    def answer(self, question: str, standalone: str | None = None) -> Answer:
        from agent.qa.answer import answer_question

        asked = standalone if standalone is not None else self.standalone(question)
        ans = answer_question(self.store, self.llm, asked, k=self.k)
        from agent.llm.client import usage_delta

        now = self.llm.usage()
        ans = ans.model_copy(update={"question": question, "standalone_question": asked,
                                     "usage": usage_delta(now, self.usage_mark)})
        self.usage_mark = now
        if asked != question:
            # Reply in the user's script even when the rewrite changed it.
            from agent.qa.answer import question_script, to_script

            script = question_script(question)
            ans = ans.model_copy(update={"answer": to_script(ans.answer, script)})
        self.answers.append(ans)
        self.db.add_turn(self.session_id, ans)
        return ans

    def reset(self) -> int:
        self.answers = []
        self.session_id = self.db.new_session(str(Path(self.store.root).resolve()))
        return self.session_id

    def close(self) -> None:
        self.db.close()


# --------------------------------------------------------------------------- formatting


def command_json(session: ChatSession, name: str) -> dict[str, Any]:
    """A non-TTY command's JSON object (``/exit`` is handled by the caller)."""
    if name == "/sources":
        last = session.last
        return {"command": "sources", "question": last.question if last else None,
                "citations": [c.as_json(title=True) for c in (last.citations if last else [])]}
    if name == "/docs":
        return {"command": "docs", "documents": [d.as_json() for d in session.store.documents()]}
    if name == "/reset":
        return {"command": "reset", "session": session.reset()}
    if name == "/help":
        return {"command": "help", "commands": COMMANDS}
    return {"command": name, "error": f"unknown command {name} (try /help)"}


def format_sources(answer: Answer | None, *, full: bool = False) -> list[str]:
    """``[n] 文件名 · 标题 · 「quote」 (start–end)`` lines."""
    if answer is None or not answer.citations:
        return []
    lines = []
    for i, c in enumerate(answer.citations, 1):
        quote = c.shown
        if not full and len(quote) > 60:
            quote = quote[:59] + "…"
        title = " ".join(c.title.split())
        if not full and len(title) > 30:
            title = title[:29] + "…"
        parts = [c.where] + ([title] if title else []) + [f"「{quote}」"]
        lines.append(f"[{i}] " + " · ".join(parts) + f" ({c.start}–{c.end})")
    return lines


# --------------------------------------------------------------------------- non-TTY

EXIT_COMMANDS = frozenset({"/exit", "/quit"})


def slash_command(line: str) -> str | None:
    """``/sources extra`` → ``/sources``; None for a question."""
    return line.split()[0].lower() if line.startswith("/") else None


def session_inputs(lines: Iterable[str]) -> Iterator[tuple[str | None, str]]:
    """``(slash command or None, line)`` for each non-empty line, until /exit or /quit."""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        name = slash_command(line)
        if name in EXIT_COMMANDS:
            return
        yield name, line


def _prompted(read: Callable[[str], str]) -> Iterator[str]:
    """Lines typed at the prompt; Ctrl-C clears the line, Ctrl-D ends the session."""
    while True:
        try:
            yield read("问> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            return



def run_lines(session: ChatSession, lines: Iterable[str], out: IO[str]) -> int:
    """One JSON object per input line; returns the exit code."""
    from agent.qa.answer import answer_json

    for name, line in session_inputs(lines):
        if name:
            out.write(json.dumps(command_json(session, name), ensure_ascii=False) + "\n")
        else:
            ans = session.answer(line)
            data = answer_json(ans, chat=True, model=session.llm.usage().get("model"))
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
        out.flush()
    return 0


# --------------------------------------------------------------------------- TTY


def _print_answer(console: Any, answer: Answer, elapsed: float) -> None:
    from rich.text import Text

    style = "bold" if answer.answerable else "yellow"
    console.print(Text(answer.answer, style=style))
    for line in format_sources(answer):
        console.print(Text(line, style="dim"))
    console.print(Text(f"({answer_cost(answer, elapsed)})", style="dim"))


def answer_cost(answer: Answer, elapsed: float) -> str:
    """``8.1s · 2 次模型调用 · 1,530 tokens`` for one answer (cache hits said so)."""
    u = answer.usage
    parts = [f"{elapsed:.1f}s"]
    calls, hits = int(u.get("calls", 0)), int(u.get("cache_hits", 0))
    if calls or hits:
        parts.append(f"{calls} 次模型调用" + (f"（另 {hits} 次缓存）" if hits else ""))
    tokens = int(u.get("prompt_tokens", 0) + u.get("completion_tokens", 0))
    if tokens:
        parts.append(f"{tokens:,} tokens")
    return " · ".join(parts)


def _help(console: Any) -> None:
    for name, text in COMMANDS.items():
        console.print(f"  {name:<9} {text}", highlight=False, markup=False)
    console.print("  Ctrl-C 取消当前回答，Ctrl-D 退出", highlight=False, markup=False)


def run_interactive(session: ChatSession, console: Any,
                    read: Callable[[str], str] | None = None) -> int:
    """The TTY loop; ``read`` (prompt → line) is injectable for tests."""
    from rich.text import Text

    if read is None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        from agent.core.files import private_dir, private_file

        hist = Path(session.store.settings.cache_dir).expanduser() / "chat_history"
        private_file(private_dir(hist.parent) / hist.name)  # questions asked are private too
        prompt_session: Any = PromptSession(history=FileHistory(str(hist)))
        read = prompt_session.prompt
    n_docs = session.store.counts()[0]
    resumed = (f"，继续会话 #{session.session_id}（{len(session.answers)} 轮）"
               if session.answers else "")
    console.print(Text(f"zhijiao-agent chat · {n_docs} 篇文档{resumed} · /help 查看命令",
                       style="dim"))
    for name, line in session_inputs(_prompted(read)):
        if name:
            if name == "/sources":
                lines = format_sources(session.last, full=True)
                for text in lines or ["（上一个回答没有引文）"]:
                    console.print(text, highlight=False, markup=False)
            elif name == "/docs":
                for d in session.store.documents():
                    console.print(f"{d.doc_id}  {Path(d.path).name}  {d.title}",
                                  highlight=False, markup=False)
            elif name == "/reset":
                console.print(Text(f"新会话 #{session.reset()}", style="dim"))
            elif name == "/help":
                _help(console)
            else:
                console.print(Text(f"未知命令 {name}（/help）", style="red"))
            continue
        t0 = time.monotonic()
        try:
            with console.status("检索并生成回答…", spinner="dots"):
                standalone = session.standalone(line)
            if standalone != line:
                console.print(Text(f"→ {standalone}", style="cyan"))
            with console.status("生成回答…", spinner="dots"):
                answer = session.answer(line, standalone)
        except KeyboardInterrupt:
            console.print(Text("（已取消）", style="yellow"))
            continue
        except AgentError as exc:
            console.print(Text(f"error: {exc}", style="red"))
            continue
        _print_answer(console, answer, time.monotonic() - t0)
    return 0


def run_chat(store: Any, llm: ChatModel, *, resume: bool = False, k: int = 3,
             stdin: IO[str] | None = None, stdout: IO[str] | None = None,
             interactive: bool | None = None) -> int:
    """Entry point for ``agent chat``."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if interactive is None:
        interactive = stdin.isatty() and stdout.isatty()
    session = ChatSession.open(store, llm, resume=resume, k=k)
    try:
        if interactive:
            from rich.console import Console

            return run_interactive(session, Console(file=stdout))
        return run_lines(session, stdin, stdout)
    finally:
        session.close()
