"""Run the evaluation suites end to end: ingest a corpus, extract, answer, retrieve, score.

:func:`run_eval` is what ``agent eval`` calls. It

1. ingests the corpus into a store of its own (by default
   ``<cache_dir>/eval-store/<hash of the corpus path>``, so the user's store is never
   touched; pass ``store_dir`` to use another one) — incremental, so a second run only
   re-checks file hashes;
2. **retrieval**: hybrid search for every answerable gold QA question; ``hit@1/3/5`` and
   MRR over the distinct documents of the top-5 chunks, plus ``context_hit@k`` (a
   supporting document among the ``k`` chunks QA answers from) and, with ``benchmarks``,
   hybrid hit@5/MRR on the CMRC 2018 / DRCD samples (:mod:`agent.evaluation.bench`, no scale run);
3. **extraction**: :func:`agent.extract.summarize.summarize` over the gold documents, scored with
   :func:`agent.evaluation.metrics.evaluate_extraction`; evidence validity is checked
   against the *original* texts from the store; cost = model calls, cache hits, tokens,
   wall time;
4. **qa**: :func:`agent.qa.answer.answer_question` for every gold question, scored with
   :func:`agent.evaluation.metrics.evaluate_qa`, plus latency p50/p95.

Every metric lands in one flat ``{dotted name: float}`` dict whose names match
``evals/thresholds.toml``; :func:`gate_exit_code` turns it into the CI verdict. The
scoring helpers (:func:`extraction_results`, :func:`qa_results`,
:func:`retrieval_results`, :func:`bench_metrics`) are pure and need no model.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from agent.evaluation.gate import check_thresholds
from agent.evaluation.gold import (
    ExtractionGold,
    GoldError,
    QAGold,
    QAItem,
    check_qa_documents,
    load_extraction_gold,
    load_qa_gold,
    resolve_document,
)
from agent.evaluation.metrics import (
    all_items,
    answer_citations,
    answer_text,
    default_doc_key,
    evaluate_extraction,
    evaluate_qa,
    evidence_validity,
    fact_present,
    hit_at_k,
    retrieval_metrics,
)
from agent.evaluation.stats import percentile
from agent.llm.base import ChatModel

if TYPE_CHECKING:
    from agent.core.config import Settings
    from agent.extract.schemas import Alliance, DocumentExtraction, Event, Target
    from agent.extract.summarize import SummaryRun
    from agent.index.store import Store
    from agent.qa.schemas import Answer

SUITES: tuple[str, ...] = ("extraction", "qa", "retrieval")
GoldKind = Literal["extraction", "qa"]
#: Exit code of ``agent eval`` when a metric misses its floor / exceeds its ceiling.
GATE_EXIT_CODE = 6
GOLD_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
#: Chunks retrieved per question for the retrieval suite (hit@k up to this k).
RETRIEVAL_K = 5
#: Benchmark method reported from :mod:`agent.evaluation.bench`.
BENCH_METHOD = "hybrid"

Echo = Callable[[str], None]


# --------------------------------------------------------------------------- result


@dataclass
class EvalResult:
    """Flat metrics (names as in ``evals/thresholds.toml``) plus per-suite details."""

    metrics: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    suites: list[str] = field(default_factory=list)
    corpus: str = ""
    store: str = ""
    gold: dict[str, str | None] = field(default_factory=dict)
    wall_s: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "suites": self.suites,
            "corpus": self.corpus,
            "store": self.store,
            "gold": self.gold,
            "wall_s": round(self.wall_s, 3),
            "metrics": {k: _json_number(v) for k, v in sorted(self.metrics.items())},
            "details": self.details,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2)


def _json_number(x: float) -> float | None:
    """NaN/inf are not JSON: written as ``null``."""
    return x if math.isfinite(x) else None


# --------------------------------------------------------------------------- gate


def gate_exit_code(metrics: Mapping[str, float],
                   thresholds_path: str | Path) -> tuple[int, list[str]]:
    """``(exit code, failures)``: 0 and ``[]`` when every thresholded metric that was
    measured passes, else :data:`GATE_EXIT_CODE` and one line per failure
    (``"qa.answer_accuracy 0.00 < 0.60"``). Raises ``ThresholdError`` for a bad file."""
    failures = check_thresholds(metrics, thresholds_path)
    return (GATE_EXIT_CODE if failures else 0), failures


# --------------------------------------------------------------------------- gold files


@dataclass
class GoldFiles:
    extraction: Path | None = None
    qa: Path | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"extraction": _str(self.extraction), "qa": _str(self.qa)}


def _str(p: Path | None) -> str | None:
    return None if p is None else str(p)


def gold_kind(path: Path) -> GoldKind:
    """Whether a gold file holds extraction or QA gold: by name (``extraction*`` /
    ``qa*``), else by content (``documents`` vs ``items``; JSON Lines: first record has
    ``file`` vs ``question``)."""
    stem = path.name.lower()
    if stem.startswith("extraction"):
        return "extraction"
    if stem.startswith("qa"):
        return "qa"
    if not path.is_file():
        raise GoldError(f"gold file not found: {path}")
    text = path.read_text(encoding="utf-8")
    data: Any
    try:
        if path.suffix.lower() == ".jsonl":
            first = next((line for line in text.splitlines() if line.strip()), "{}")
            data = json.loads(first)
            if isinstance(data, dict):
                data = {"documents": []} if "file" in data else {"items": []}
        elif path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # json.JSONDecodeError, yaml.YAMLError
        raise GoldError(f"cannot parse {path}: {exc}") from exc
    if isinstance(data, dict):
        if "documents" in data:
            return "extraction"
        if "items" in data:
            return "qa"
    raise GoldError(f"{path}: neither extraction gold (documents:) nor QA gold (items:)")


def find_gold(paths: Path | Sequence[Path]) -> GoldFiles:
    """Gold files from folders (``extraction.*`` / ``qa.*`` inside) and/or files."""
    found = GoldFiles()
    for p in [paths] if isinstance(paths, Path) else list(paths):
        candidates: list[tuple[GoldKind, Path]] = []
        if p.is_dir():
            for kind in ("extraction", "qa"):
                for suffix in GOLD_SUFFIXES:
                    f = p / f"{kind}{suffix}"
                    if f.is_file():
                        candidates.append((kind, f))
                        break
        elif p.is_file():
            candidates.append((gold_kind(p), p))
        else:
            raise GoldError(f"gold file or folder not found: {p}")
        for kind, f in candidates:
            current = getattr(found, kind)
            if current is not None and current.resolve() != f.resolve():
                raise GoldError(f"two {kind} gold files given: {current} and {f}")
            setattr(found, kind, f)
    return found


def available_suites(gold: GoldFiles, benchmarks: Path | None = None) -> set[str]:
    """Suites that the given gold files (and benchmark folder) can run."""
    out: set[str] = set()
    if gold.extraction is not None:
        out.add("extraction")
    if gold.qa is not None:
        out |= {"qa", "retrieval"}
    if benchmarks is not None and benchmarks.is_dir():
        out.add("retrieval")
    return out


# --------------------------------------------------------------------------- helpers


def eval_store_dir(settings: Settings, corpus: Path) -> Path:
    """Default eval store: ``<cache_dir>/eval-store/<corpus name>-<hash of its path>``."""
    resolved = corpus.resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:12]
    return Path(settings.cache_dir) / "eval-store" / f"{resolved.name or 'root'}-{digest}"


def _cost_metrics(prefix: str, usage: Mapping[str, float], wall_s: float) -> dict[str, float]:
    out = {f"{prefix}.cost.{'model_calls' if k == 'calls' else k}": v for k, v in usage.items()}
    out[f"{prefix}.cost.total_tokens"] = usage.get("prompt_tokens", 0.0) + usage.get(
        "completion_tokens", 0.0)
    out[f"{prefix}.cost.wall_s"] = wall_s
    return out


def _item_label(item: Event | Alliance | Target) -> str:
    name = getattr(item, "name", None)
    if name:
        return str(name)
    return f"{getattr(item, 'description', '')} ({getattr(item, 'amount_text', '')})"


# --------------------------------------------------------------------------- scoring (pure)


def invalid_evidence(items: Iterable[Event | Alliance | Target],
                     originals: Mapping[str, str]) -> list[dict[str, Any]]:
    """Evidence spans that do not satisfy ``original[start:end] == quote`` (details)."""
    bad: list[dict[str, Any]] = []
    for item in items:
        if not item.evidence:
            bad.append({"item": _item_label(item), "problem": "no evidence"})
            continue
        for ev in item.evidence:
            text = originals.get(ev.doc_id)
            if text is None:
                problem = "unknown document"
            elif not ev.quote or not 0 <= ev.start < ev.end <= len(text):
                problem = "empty quote or offsets out of range"
            elif text[ev.start:ev.end] != ev.quote:
                problem = "original[start:end] != quote"
            else:
                continue
            bad.append({"item": _item_label(item), "doc_id": ev.doc_id, "start": ev.start,
                        "end": ev.end, "quote": ev.quote, "problem": problem})
    return bad


def extraction_results(
    gold: ExtractionGold,
    documents: Sequence[DocumentExtraction],
    originals: Mapping[str, str],
    *,
    usage: Mapping[str, float] | None = None,
    wall_s: float = 0.0,
    seconds_per_document: Mapping[str, float] | None = None,
) -> tuple[dict[str, float], dict[str, Any]]:
    """Extraction metrics and details from per-document extractions.

    ``originals`` maps doc id to the original (uncleaned) text the evidence offsets
    refer to. Documents that failed (``error``) count all their gold items as missed.
    """
    report = evaluate_extraction(gold, [d for d in documents if not d.error])
    metrics = report.metrics()
    items = all_items(documents)
    metrics["extraction.evidence_validity"] = evidence_validity(items, originals)
    metrics["extraction.documents"] = float(len(documents))
    metrics["extraction.failed_documents"] = float(sum(1 for d in documents if d.error))
    metrics["extraction.dropped_items"] = float(sum(d.dropped for d in documents))
    for t in ("event", "alliance", "target"):
        c = report.counts[t]
        metrics[f"extraction.count.{t}.predicted"] = float(c.n_pred)
        metrics[f"extraction.count.{t}.gold"] = float(c.n_gold)
        metrics[f"extraction.count.{t}.matched"] = float(c.tp)
    metrics |= _cost_metrics("extraction", dict(usage or {}), wall_s)

    by_key = {default_doc_key(d.path or d.doc_id): d for d in documents}
    timings = seconds_per_document or {}
    per_doc: dict[str, Any] = {}
    for gdoc in gold.documents:
        pred = by_key.get(default_doc_key(gdoc.file))
        entry: dict[str, Any] = {
            "gold_items": gdoc.item_count,
            "predicted": None if pred is None else {
                "events": len(pred.events), "alliances": len(pred.alliances),
                "targets": len(pred.targets)},
            "dropped": 0 if pred is None else pred.dropped,
            "error": "not extracted" if pred is None else pred.error,
            "seconds": None if pred is None else timings.get(pred.doc_id),
            "missed": [{"type": t, "label": label}
                       for f, t, label in report.missed if f == gdoc.file],
            "spurious": [{"type": t, "label": label}
                         for f, t, label in report.spurious if f == gdoc.file],
            "invalid_evidence": [] if pred is None else invalid_evidence(
                all_items([pred]), originals),
        }
        per_doc[gdoc.file] = entry
    details = {"documents": per_doc, "unscored_documents": report.unscored_documents,
               "usage": dict(usage or {}), "wall_s": wall_s}
    return metrics, details


def qa_results(
    gold: QAGold,
    answers: Mapping[str, Answer],
    *,
    latencies: Mapping[str, float] | None = None,
    errors: Mapping[str, str] | None = None,
    usage: Mapping[str, float] | None = None,
    wall_s: float = 0.0,
) -> tuple[dict[str, float], dict[str, Any]]:
    """QA metrics and per-question details. ``answers``/``latencies``/``errors`` are keyed
    by gold item id; a question without an answer (error) is wrong / not a refusal."""
    report = evaluate_qa(gold, answers)
    metrics = dict(report.metrics)
    lat = dict(latencies or {})
    errs = dict(errors or {})
    if lat:
        values = list(lat.values())
        metrics["qa.latency_p50_s"] = percentile(values, 0.5)
        metrics["qa.latency_p95_s"] = percentile(values, 0.95)
        metrics["qa.latency_max_s"] = max(values)
    metrics["qa.questions"] = float(len(gold.items))
    metrics["qa.errors"] = float(len(errs))
    metrics |= _cost_metrics("qa", dict(usage or {}), wall_s)

    per_item: list[dict[str, Any]] = []
    for item in gold.items:
        ans = answers.get(item.id)
        row: dict[str, Any] = {
            "id": item.id,
            "question": item.question,
            "gold_answerable": item.answerable,
            "gold_answer": item.answer,
            "answerable": None if ans is None else ans.answerable,
            "answer": None if ans is None else ans.answer,
            "cited": [] if ans is None else sorted({
                Path(c.path).name or c.doc_id for c in answer_citations(ans)}),
            "latency_s": lat.get(item.id),
            "error": errs.get(item.id),
        }
        if item.answerable:
            text = answer_text(ans) if ans is not None else ""
            row["missing_facts"] = [f for f in item.key_facts if not fact_present(text, f)]
            row["documents"] = item.documents
        row |= report.per_item.get(item.id, {})
        per_item.append(row)
    return metrics, {"questions": per_item, "usage": dict(usage or {}), "wall_s": wall_s}


def retrieval_results(
    gold: QAGold,
    rankings: Mapping[str, Sequence[str]],
    *,
    latencies_ms: Mapping[str, float] | None = None,
    context_k: int = 3,
    context_facts: Mapping[str, bool] | None = None,
) -> tuple[dict[str, float], dict[str, Any]]:
    """Gold-QA retrieval metrics from ranked chunk paths (best first) per item id.

    ``retrieval.hit@{1,3,5}``/``retrieval.mrr`` are over distinct documents of the
    ranking; ``retrieval.context_hit@{context_k}`` asks whether a supporting document
    is among the first ``context_k`` *chunks* (what QA answers from);
    ``retrieval.context_facts`` is the share of answerable questions whose ``context_facts``
    entry is true: every key fact is in the sentences the answer call is shown (the ceiling
    of a first attempt's accuracy, measured without the model)."""
    metrics = retrieval_metrics(gold, rankings)
    scored = [i for i in gold.items if i.answerable and i.documents]
    per_item: list[dict[str, Any]] = []
    ctx = 0.0
    for item in scored:
        ranked = list(rankings.get(item.id, []))
        hit_ctx = hit_at_k(ranked[:context_k], item.documents, context_k)
        ctx += hit_ctx
        distinct: list[str] = []
        for ref in ranked:
            name = Path(ref).name
            if name not in distinct:
                distinct.append(name)
        rank = next((r for r, name in enumerate(distinct, 1)
                     if any(default_doc_key(name) == default_doc_key(d) for d in item.documents)),
                    None)
        per_item.append({"id": item.id, "question": item.question, "documents": item.documents,
                         "ranked": distinct, "rank": rank,
                         "latency_ms": (latencies_ms or {}).get(item.id)})
    if context_facts:
        metrics["retrieval.context_facts"] = sum(context_facts.values()) / len(context_facts)
        for row in per_item:
            row["context_facts"] = context_facts.get(row["id"])
    if scored:
        metrics[f"retrieval.context_hit@{context_k}"] = ctx / len(scored)
        metrics["retrieval.questions"] = float(len(scored))
    if latencies_ms:
        values = list(latencies_ms.values())
        metrics["retrieval.latency_p50_ms"] = percentile(values, 0.5)
        metrics["retrieval.latency_p95_ms"] = percentile(values, 0.95)
    return metrics, {"questions": per_item}


def bench_metrics(result: Mapping[str, Any], method: str = BENCH_METHOD) -> dict[str, float]:
    """``retrieval.<dataset>.<method>.{hit@1,hit@5,mrr}`` from ``run_retrieval_bench``."""
    out: dict[str, float] = {}
    for name, entry in (result.get("datasets") or {}).items():
        m = entry.get(method) if isinstance(entry, Mapping) else None
        if not isinstance(m, Mapping):
            continue
        for key in ("hit@1", "hit@5", "mrr", "p50_ms", "p95_ms"):
            if key in m:
                out[f"retrieval.{name}.{method}.{key}"] = float(m[key])
    return out


# --------------------------------------------------------------------------- suites


def _gold_paths(corpus: Path, files: Iterable[str]) -> dict[str, Path]:
    return {f: resolve_document(corpus, f) for f in files}


def _stored_for(store: Store, paths: Mapping[str, Path]) -> list[Any]:
    """Stored documents for the given gold files (matched by resolved path)."""
    wanted = {p.resolve(): f for f, p in paths.items()}
    found: dict[str, Any] = {}
    for d in store.documents():
        f = wanted.get(Path(d.path).resolve())
        if f is not None:
            found[f] = d
    missing = [f for f in paths if f not in found]
    if missing:
        raise GoldError(f"gold documents not in the eval store: {', '.join(missing)}")
    return [found[f] for f in paths]


def run_extraction(store: Store, llm: ChatModel, gold: ExtractionGold, corpus: Path,
                   echo: Echo) -> tuple[dict[str, float], dict[str, Any], SummaryRun]:
    from agent.extract.summarize import summarize
    from agent.llm.client import usage_delta

    documents = _stored_for(store, _gold_paths(corpus, [d.file for d in gold.documents]))
    before = llm.usage()
    started = time.monotonic()

    def progress(doc: DocumentExtraction) -> None:
        n = len(doc.events) + len(doc.alliances) + len(doc.targets)
        status = f"error: {doc.error}" if doc.error else f"{n} items"
        echo(f"  extracted {Path(doc.path).name}: {status}")

    run = summarize(store, llm, documents, on_document=progress)
    wall = time.monotonic() - started
    originals = {d.doc_id: store.original(d.doc_id) for d in run.documents}
    metrics, details = extraction_results(
        gold, run.documents, originals, usage=usage_delta(llm.usage(), before), wall_s=wall,
        seconds_per_document=run.seconds_per_document)
    details["windows"] = run.windows
    details["window_tokens"] = run.window_tokens
    details["corpus_tokens"] = run.corpus_tokens
    return metrics, details, run


def run_qa(store: Store, llm: ChatModel, gold: QAGold, echo: Echo, *,
           k: int | None = None) -> tuple[dict[str, float], dict[str, Any]]:
    from agent.core.errors import ModelError, ModelUnavailableError
    from agent.llm.client import usage_delta
    from agent.qa.answer import answer_question

    answers: dict[str, Answer] = {}
    latencies: dict[str, float] = {}
    errors: dict[str, str] = {}
    before = llm.usage()
    started = time.monotonic()
    for n, item in enumerate(gold.items, 1):
        t0 = time.perf_counter()
        try:
            if k is None:
                ans = answer_question(store, llm, item.question)
            else:
                ans = answer_question(store, llm, item.question, k=k)
        except ModelUnavailableError:
            raise
        except ModelError as exc:
            errors[item.id] = str(exc)
            echo(f"  [{n}/{len(gold.items)}] {item.id}: error: {exc}")
            continue
        finally:
            latencies[item.id] = time.perf_counter() - t0
        answers[item.id] = ans
        mark = "answered" if ans.answerable else "refused"
        echo(f"  [{n}/{len(gold.items)}] {item.id}: {mark} ({latencies[item.id]:.1f}s)")
    wall = time.monotonic() - started
    return qa_results(gold, answers, latencies=latencies, errors=errors,
                      usage=usage_delta(llm.usage(), before), wall_s=wall)


def run_retrieval(store: Store, gold: QAGold, *, context_k: int = 3,
                  k: int = RETRIEVAL_K) -> tuple[dict[str, float], dict[str, Any]]:
    from agent.index.retrieval import search

    rankings: dict[str, list[str]] = {}
    latencies: dict[str, float] = {}
    for item in gold.items:
        if not (item.answerable and item.documents):
            continue
        t0 = time.perf_counter()
        hits = search(store, item.question, k=max(k, context_k), mode="hybrid")
        latencies[item.id] = (time.perf_counter() - t0) * 1000
        rankings[item.id] = [h.chunk.path for h in hits]
    facts = {item.id: context_holds_facts(store, item, k=context_k)
             for item in gold.items if item.answerable and item.key_facts}
    return retrieval_results(gold, rankings, latencies_ms=latencies, context_k=context_k,
                             context_facts=facts)


def context_holds_facts(store: Store, item: QAItem, *, k: int) -> bool:
    """Whether every key fact of ``item`` is in the sources the first answer call of
    :func:`agent.qa.answer.answer_question` is shown over the top ``k`` chunks. Each part of
    a question of several parts is retrieved over the whole store here; the answer flow
    prefers the articles the first part's answer cited, which needs the model."""
    from agent.index.retrieval import search
    from agent.qa.answer import build_context
    from agent.qa.question import split_question
    from agent.text.normalize import NormalizedText, fold

    shown: list[str] = []
    for part in split_question(item.question):
        query = NormalizedText.of(part)
        hits = search(store, query, k=k, mode="hybrid")
        shown += [s.text for s in build_context(store, hits, query)]
    text = fold(" ".join(shown))
    return all(fact_present(text, f) for f in item.key_facts)


# --------------------------------------------------------------------------- entry point


def prepare_store(settings: Settings, corpus: Path, store_dir: Path | None,
                  echo: Echo) -> tuple[Store, dict[str, Any]]:
    """Open (or create) the eval store and bring the corpus up to date in it."""
    from agent.core.errors import InputError
    from agent.index.store import Store
    from agent.ingest.pipeline import ingest

    if not corpus.is_dir():
        raise InputError(f"corpus folder not found: {corpus}")
    own = store_dir is None
    root = eval_store_dir(settings, corpus) if own else store_dir
    store = Store(settings.model_copy(update={"store": root}))
    started = time.monotonic()
    # Absolute paths: stored paths then resolve the same from any working directory.
    # The default eval store belongs to this corpus alone, so vanished files are pruned.
    report = ingest(store, [corpus.resolve()], prune=own)
    info = {"store": str(root), "added": report.count("added"),
            "updated": report.count("updated"), "unchanged": report.count("unchanged"),
            "removed": report.count("removed"),
            "failed": [f"{r.path}: {r.error}" for r in report.failed],
            "seconds": round(time.monotonic() - started, 3)}
    docs, chunks = store.counts()
    info |= {"documents": docs, "chunks": chunks}
    echo(f"eval store {root}: {docs} documents, {chunks} chunks "
         f"({info['added']} added, {info['updated']} updated, {info['unchanged']} unchanged)")
    if docs == 0:
        store.close()
        raise InputError(f"no documents could be ingested from {corpus}")
    return store, info


def sample_questions(gold: QAGold, every: int) -> QAGold:
    """Every ``every``-th question of ``gold`` (the first, the (every+1)-th…)."""
    if every < 1:
        from agent.core.errors import InputError

        raise InputError("--qa-every must be at least 1")
    return gold if every == 1 else gold.model_copy(update={"items": gold.items[::every]})


def run_eval(
    settings: Settings,
    *,
    suites: set[str],
    gold_dir: Path | Sequence[Path],
    corpus: Path,
    benchmarks: Path | None = None,
    echo: Echo = print,
    store_dir: Path | None = None,
    qa_k: int | None = None,
    qa_every: int = 1,
) -> EvalResult:
    """Run the requested suites (a subset of :data:`SUITES`) and score them.

    ``gold_dir`` is a gold folder (``extraction.yaml``/``qa.yaml`` inside) or gold files.
    ``store_dir`` None uses :func:`eval_store_dir`. ``benchmarks`` (a folder with
    ``cmrc2018/`` and ``drcd/``) adds the public retrieval benchmark to the retrieval
    suite. ``qa_every`` N > 1 asks every N-th gold question only, in file order (a fixed
    sample that keeps the CI run within its time budget). Raises ``GoldError`` when a
    requested suite has no gold or the gold does not
    fit the corpus, ``ModelError`` when the model fails outright.
    """
    from agent.core.errors import InputError

    unknown = set(suites) - set(SUITES)
    if unknown or not suites:
        raise InputError(f"suites must be a non-empty subset of {', '.join(SUITES)}")
    started = time.monotonic()
    files = find_gold(gold_dir)
    result = EvalResult(suites=[s for s in SUITES if s in suites], corpus=str(corpus),
                        gold=files.as_json())

    ext_gold = qa_gold = None
    if "extraction" in suites:
        if files.extraction is None:
            raise GoldError("the extraction suite needs extraction gold (--gold extraction.yaml)")
        ext_gold = load_extraction_gold(files.extraction)
        _gold_paths(corpus, [d.file for d in ext_gold.documents])
    if "qa" in suites or ("retrieval" in suites and files.qa is not None):
        if files.qa is None:
            raise GoldError("the qa suite needs QA gold (--gold qa.yaml)")
        qa_gold = sample_questions(load_qa_gold(files.qa), qa_every)
        problems = check_qa_documents(qa_gold, corpus)
        if problems:
            raise GoldError("; ".join(problems[:5]))
    use_bench = benchmarks is not None and "retrieval" in suites
    if "retrieval" in suites and qa_gold is None and not use_bench:
        raise GoldError("the retrieval suite needs QA gold (--gold qa.yaml) or --benchmarks")

    store, info = prepare_store(settings, corpus, store_dir, echo)
    result.store = info["store"]
    result.details["store"] = info
    try:
        if "retrieval" in suites:
            echo("retrieval: hybrid search for the gold questions")
            if qa_gold is not None:
                from agent.qa.answer import DEFAULT_K

                m, d = run_retrieval(store, qa_gold, context_k=qa_k or DEFAULT_K)
                result.metrics |= m
                result.details["retrieval"] = d
            if use_bench:
                from agent.evaluation.bench import run_retrieval_bench

                assert benchmarks is not None
                echo(f"retrieval: public benchmarks in {benchmarks} (1-2 minutes)")
                bench = run_retrieval_bench(benchmarks, scale=0, echo=echo)
                result.metrics |= bench_metrics(bench)
                result.details.setdefault("retrieval", {})["benchmarks"] = bench
        if ext_gold is not None or ("qa" in suites and qa_gold is not None):
            from agent.llm.client import LLM

            with LLM.from_settings(settings, "eval") as llm:
                if ext_gold is not None:
                    echo(f"extraction: {len(ext_gold.documents)} gold documents")
                    m, d, _run = run_extraction(store, llm, ext_gold, corpus, echo)
                    result.metrics |= m
                    result.details["extraction"] = d
                if "qa" in suites and qa_gold is not None:
                    echo(f"qa: {len(qa_gold.items)} gold questions")
                    m, d = run_qa(store, llm, qa_gold, echo, k=qa_k)
                    result.metrics |= m
                    result.details["qa"] = d
                result.details["model"] = llm.model
                if llm.server is not None:  # its answers depend on the thread count
                    result.details["threads"] = llm.server.threads
    finally:
        store.close()
    result.wall_s = time.monotonic() - started
    return result
