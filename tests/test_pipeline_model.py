"""The real pipeline on seeds/ with the embedded model (marked `model`; runs in CI).

One session-scoped run from a clean LLM cache (or ``AGENT_TEST_CACHE_DIR`` when CI wants to
share it with the eval step), then checks on what it produced.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from agent.core.config import Settings, load_settings
from agent.extract.summarize import SummaryRun, summarize
from agent.index.store import Store
from agent.ingest.pipeline import ingest
from agent.llm.client import LLM

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
LINK_LIST_WORDS = (
    "马拉松", "5GETF", "热门文章", "最新文章", "相关阅读", "长三角41市", "豫宛大工匠",
)


@pytest.fixture(scope="session")
def model_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from agent.llm.weights import ensure_weights

    gguf = ensure_weights(load_settings({}))  # assembled once in the user cache
    cache = os.environ.get("AGENT_TEST_CACHE_DIR") or str(tmp_path_factory.mktemp("llm-cache"))
    return load_settings({"store": tmp_path_factory.mktemp("store"), "cache_dir": cache,
                          "gguf": gguf})


@pytest.fixture(scope="session")
def seeded_store(model_settings: Settings) -> Store:
    store = Store(model_settings)
    assert not ingest(store, [SEEDS]).failed
    return store


@pytest.fixture(scope="session")
def first_run(seeded_store: Store) -> tuple[SummaryRun, dict[str, Any]]:
    with LLM.from_settings(seeded_store.settings, "summarize") as llm:
        run = summarize(seeded_store, llm, seeded_store.documents())
    per_doc = {Path(d.path).name: round(run.seconds_per_document[d.doc_id], 1)
               for d in run.documents}
    print(f"\nsummarize seeds: {run.wall_s:.0f}s, per document {per_doc}, "
          f"window/corpus tokens {run.window_tokens}/{run.corpus_tokens} "
          f"= {run.window_tokens / run.corpus_tokens:.2f}, usage {run.usage}")
    return run, run.as_json()


def _items(run: SummaryRun) -> list[Any]:
    return [i for d in run.documents for i in (*d.events, *d.alliances, *d.targets)]


def test_every_evidence_slices_the_original(seeded_store: Store, first_run: Any) -> None:
    run, _ = first_run
    assert not run.failed
    originals = {d.doc_id: seeded_store.original(d.doc_id) for d in run.documents}
    items = _items(run)
    assert len(items) >= 40
    for item in items:
        assert item.evidence
        for ev in item.evidence:
            assert originals[ev.doc_id][ev.start:ev.end] == ev.quote
            file_text = Path(seeded_store.document(ev.doc_id).path).read_text(encoding="utf-8")  # type: ignore[union-attr]
            assert file_text[ev.start:ev.end] == ev.quote


def test_no_link_list_items_and_no_spam(first_run: Any) -> None:
    _, data = first_run
    dumped = json.dumps(data, ensure_ascii=False)
    for word in LINK_LIST_WORDS:
        assert word not in dumped
    assert "开云" not in dumped


def test_zhongyuan_alliance_with_its_lead(first_run: Any) -> None:
    from agent.ingest.cleaning import search_form

    run, _ = first_run
    found = [a for a in run.merged.alliances if "中原经济区技工教育联盟" in search_form(a.name)]
    assert found, [a.name for a in run.merged.alliances]
    assert search_form(found[0].lead or "") == "冀南技师学院"


def test_every_document_yields_items(first_run: Any) -> None:
    run, _ = first_run
    for d in run.documents:
        assert d.alliances or d.events, d.path


def test_token_ratio(first_run: Any) -> None:
    run, _ = first_run
    assert run.window_tokens <= 1.5 * run.corpus_tokens


def test_warm_cache_rerun_makes_no_model_call(seeded_store: Store, first_run: Any) -> None:
    _, data = first_run
    started = time.monotonic()
    with LLM.from_settings(seeded_store.settings, "summarize") as llm:
        again = summarize(seeded_store, llm, seeded_store.documents())
    assert again.usage["calls"] == 0 and again.usage["cache_hits"] > 0
    assert llm.server is None  # the embedded model was never started
    fresh = again.as_json()
    assert fresh["documents"] == data["documents"] and fresh["merged"] == data["merged"]
    assert time.monotonic() - started < 60


def test_report_on_seeds(seeded_store: Store, first_run: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from agent.cli import main

    env = {"AGENT_CACHE_DIR": str(seeded_store.settings.cache_dir),
           "AGENT_GGUF": str(seeded_store.settings.gguf)}
    result = CliRunner().invoke(main, ["--store", str(seeded_store.root), "report", str(SEEDS),
                                       "-o", str(tmp_path / "out")], env=env)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    run, _ = first_run
    for a in run.merged.alliances:
        assert a.name in md
    for e in run.merged.events:
        assert e.name in md
    assert len(data["documents"]) == 5
    for word in ("马拉松", "5GETF"):
        assert word not in md
    assert "http://" not in html and "https://" not in html
