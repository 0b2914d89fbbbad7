"""Eval runner pieces (agent/evaluation/runner.py) without a model: gold discovery,
metric aggregation from hand-made extractions / answers / rankings, and the suite
wiring with a stub LLM."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from agent.core.errors import ModelError
from agent.evaluation import runner
from agent.evaluation.gold import (
    ExtractionGold,
    GoldAlliance,
    GoldDocument,
    GoldError,
    GoldEvent,
    GoldTarget,
    QAGold,
    QAItem,
)
from agent.extract.schemas import (
    Alliance,
    DocumentExtraction,
    Event,
    Evidence,
    MergedItems,
    Target,
)
from agent.qa.schemas import Answer, Citation

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT / "evals" / "gold"
SEEDS = ROOT / "seeds"
THRESHOLDS = ROOT / "evals" / "thresholds.toml"

TEXT_A = "6月12日，甲乙职教联盟成立大会在某某学院举办。近三年投入资金3.19亿元。"
TEXT_B = "绍兴数字工匠共育联盟于11月10日成立。"


def _ev(doc_id: str, text: str, quote: str, *, shift: int = 0) -> Evidence:
    start = text.index(quote) + shift
    return Evidence(doc_id=doc_id, quote=quote, start=start, end=start + len(quote))


# --------------------------------------------------------------------------- gold files


def test_find_gold_folder_and_files(tmp_path: Path) -> None:
    found = runner.find_gold(GOLD_DIR)
    assert found.extraction == GOLD_DIR / "extraction.yaml"
    assert found.qa == GOLD_DIR / "qa.yaml"
    assert runner.available_suites(found) == {"extraction", "qa", "retrieval"}

    # A single file, recognised by content when the name says nothing.
    mine = tmp_path / "my_questions.yaml"
    shutil.copy(GOLD_DIR / "qa.yaml", mine)
    only_qa = runner.find_gold([mine])
    assert only_qa.qa == mine and only_qa.extraction is None
    assert runner.available_suites(only_qa) == {"qa", "retrieval"}
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text(json.dumps({"file": "a.txt", "script": "simplified"}) + "\n", "utf-8")
    assert runner.gold_kind(jsonl) == "extraction"
    assert runner.available_suites(runner.find_gold([jsonl])) == {"extraction"}
    assert runner.available_suites(runner.GoldFiles(), tmp_path) == {"retrieval"}


def test_find_gold_errors(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match="not found"):
        runner.find_gold([tmp_path / "nope.yaml"])
    other = tmp_path / "qa_other.yaml"
    shutil.copy(GOLD_DIR / "qa.yaml", other)
    with pytest.raises(GoldError, match="two qa gold files"):
        runner.find_gold([GOLD_DIR, other])
    odd = tmp_path / "odd.yaml"
    odd.write_text("something: 1\n", "utf-8")
    with pytest.raises(GoldError, match="neither"):
        runner.gold_kind(odd)


def test_eval_store_dir_is_keyed_by_corpus(tmp_path: Path) -> None:
    from agent.core.config import load_settings

    settings = load_settings({"cache_dir": tmp_path})
    a = runner.eval_store_dir(settings, SEEDS)
    assert a == runner.eval_store_dir(settings, SEEDS / ".." / "seeds")
    assert a.parent == tmp_path / "eval-store" and a.name.startswith("seeds-")
    assert runner.eval_store_dir(settings, tmp_path / "seeds") != a
    assert a != Path(settings.store)


def test_percentile_and_usage_delta() -> None:
    assert runner.percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert runner.percentile([1.0, 2.0], 0.95) == pytest.approx(1.95)
    assert math.isnan(runner.percentile([], 0.5))
    before = {"model": "m", "calls": 2, "cache_hits": 1, "prompt_tokens": 100,
              "completion_tokens": 10, "latency_s": 1.5, "cost_usd": None}
    after = {**before, "calls": 5, "prompt_tokens": 400, "latency_s": 3.0}
    from agent.llm.client import usage_delta

    delta = usage_delta(after, before)
    assert delta == {"calls": 3.0, "cache_hits": 0.0, "prompt_tokens": 300.0,
                     "completion_tokens": 0.0, "latency_s": 1.5}


# --------------------------------------------------------------------------- extraction


def _extraction_gold() -> ExtractionGold:
    return ExtractionGold(documents=[
        GoldDocument(
            file="a.txt", script="simplified",
            events=[GoldEvent(name="甲乙职教联盟成立大会", event_type="成立大会", date="--06-12",
                              location="某某学院", evidence=["甲乙职教联盟成立大会"])],
            alliances=[GoldAlliance(name="甲乙职教联盟", kind="联盟", lead="某某学院",
                                    evidence=["甲乙职教联盟"])],
            targets=[GoldTarget(description="近三年投入资金", value=319000000, unit="CNY",
                                qualifier="近", amount_text="3.19亿元",
                                evidence=["近三年投入资金3.19亿元"])],
        ),
        GoldDocument(
            file="b.txt", script="simplified",
            alliances=[GoldAlliance(name="绍兴数字工匠共育联盟", kind="联盟",
                                    founded="--11-10", evidence=["绍兴数字工匠共育联盟"])],
        ),
    ])


def _predictions(*, fail_b: bool = False) -> list[DocumentExtraction]:
    a = DocumentExtraction(
        doc_id="ida", path="/corpus/a.txt",
        events=[Event(name="甲乙职教联盟成立大会", event_type="成立大会", date="--06-12",
                      location="某某学院", evidence=[_ev("ida", TEXT_A, "甲乙职教联盟成立大会")])],
        alliances=[
            # lead missing → field accuracy 0; a spurious second alliance
            Alliance(name="甲乙职教联盟", kind="联盟",
                     evidence=[_ev("ida", TEXT_A, "甲乙职教联盟")]),
            Alliance(name="某某学院", kind="学院", evidence=[_ev("ida", TEXT_A, "某某学院")]),
        ],
        # the offsets are one character off: an invalid evidence span
        targets=[Target(description="投入资金", metric="投入资金", value=319000000, unit="CNY",
                        qualifier="近", amount_text="3.19亿元",
                        evidence=[_ev("ida", TEXT_A, "3.19亿元", shift=1)])],
        dropped=1,
    )
    b = DocumentExtraction(
        doc_id="idb", path="/corpus/b.txt",
        alliances=[Alliance(name="绍兴数字工匠共育联盟", kind="联盟", founded="--11-10",
                            evidence=[_ev("idb", TEXT_B, "绍兴数字工匠共育联盟")])],
    )
    if fail_b:
        b = DocumentExtraction(doc_id="idb", path="/corpus/b.txt", error="model failed")
    return [a, b]


def test_extraction_results_metrics_and_details() -> None:
    originals = {"ida": TEXT_A, "idb": TEXT_B}
    usage = {"calls": 4.0, "cache_hits": 1.0, "prompt_tokens": 1000.0,
             "completion_tokens": 200.0}
    metrics, details = runner.extraction_results(
        _extraction_gold(), _predictions(), originals, usage=usage, wall_s=12.5,
        seconds_per_document={"ida": 10.0, "idb": 2.5})
    assert metrics["extraction.recall.event"] == 1.0
    assert metrics["extraction.recall.alliance"] == 1.0
    assert metrics["extraction.precision.alliance"] == pytest.approx(2 / 3)
    assert metrics["extraction.recall.target"] == 1.0
    assert metrics["extraction.f1.all"] == pytest.approx(2 * 0.8 * 1.0 / 1.8)
    assert metrics["extraction.field.alliance.lead"] == 0.0
    assert metrics["extraction.field.alliance.founded"] == 1.0
    assert metrics["extraction.field.event.date"] == 1.0
    # 5 spans, one with shifted offsets
    assert metrics["extraction.evidence_validity"] == pytest.approx(4 / 5)
    assert metrics["extraction.cost.model_calls"] == 4.0
    assert metrics["extraction.cost.cache_hits"] == 1.0
    assert metrics["extraction.cost.total_tokens"] == 1200.0
    assert metrics["extraction.cost.wall_s"] == 12.5
    assert metrics["extraction.dropped_items"] == 1.0
    assert metrics["extraction.count.alliance.predicted"] == 3.0
    assert all(isinstance(v, float) for v in metrics.values())

    doc_a = details["documents"]["a.txt"]
    assert doc_a["missed"] == []
    assert doc_a["spurious"] == [{"type": "alliance", "label": "某某学院"}]
    assert doc_a["seconds"] == 10.0
    [bad] = doc_a["invalid_evidence"]
    assert bad["problem"] == "original[start:end] != quote" and bad["quote"] == "3.19亿元"
    assert details["documents"]["b.txt"]["error"] is None
    json.dumps(details, ensure_ascii=False)  # details are JSON-serialisable


def test_extraction_results_failed_document_counts_as_missed() -> None:
    metrics, details = runner.extraction_results(
        _extraction_gold(), _predictions(fail_b=True), {"ida": TEXT_A, "idb": TEXT_B})
    assert metrics["extraction.recall.alliance"] == 0.5
    assert metrics["extraction.failed_documents"] == 1.0
    doc_b = details["documents"]["b.txt"]
    assert doc_b["error"] == "model failed"
    assert doc_b["missed"] == [{"type": "alliance", "label": "绍兴数字工匠共育联盟"}]


def test_extraction_results_unknown_original_is_invalid() -> None:
    metrics, details = runner.extraction_results(_extraction_gold(), _predictions(), {})
    assert metrics["extraction.evidence_validity"] == 0.0
    assert details["documents"]["a.txt"]["invalid_evidence"][0]["problem"] == "unknown document"


# --------------------------------------------------------------------------- QA


def _qa_gold() -> QAGold:
    return QAGold(items=[
        QAItem(id="q1", question="联盟由哪所学校牵头？", script="simplified",
               answer="冀南技师学院。", key_facts=["冀南技师学院"], documents=["002_x.txt"],
               answerable=True),
        QAItem(id="q2", question="投入多少资金？", script="simplified", answer="3.19亿元。",
               key_facts=[["3.19亿", "3.19億"]], documents=["003_y.txt"], answerable=True),
        QAItem(id="q3", question="成立大会在哪天？", script="simplified", answer="6月12日。",
               key_facts=["6月12日"], documents=["002_x.txt"], answerable=True),
        QAItem(id="u1", question="马拉松哪天开跑？", script="simplified", answer="没有相关内容。",
               answerable=False),
        QAItem(id="u2", question="主题是什么？", script="simplified", answer="没有相关内容。",
               answerable=False),
    ])


def _citation(path: str, quote: str) -> Citation:
    return Citation(doc_id="d", path=path, chunk_id="c", quote=quote, start=0, end=len(quote))


def _answers() -> dict[str, Answer]:
    good = _citation("/s/002_x.txt", "冀南技師學院牽頭建立")
    return {
        # correct, cites the supporting document
        "q1": Answer(question="q1", answer="由冀南技师学院牵头。", answerable=True,
                     citations=[good]),
        # wrong number, cites another document
        "q2": Answer(question="q2", answer="投入2亿元。", answerable=True,
                     citations=[_citation("/s/004_z.txt", "2亿元")]),
        # q3: error (no answer); u1: correct refusal; u2: answered although unanswerable
        "u1": Answer(question="u1", answer="资料中没有相关内容。", answerable=False),
        "u2": Answer(question="u2", answer="主题是创新。", answerable=True,
                     citations=[_citation("/s/001.txt", "创新")]),
    }


def test_qa_results_metrics_and_details() -> None:
    metrics, details = runner.qa_results(
        _qa_gold(), _answers(), latencies={"q1": 1.0, "q2": 3.0, "q3": 0.5, "u1": 0.1, "u2": 2.0},
        errors={"q3": "model timed out"}, usage={"calls": 4.0}, wall_s=6.6)
    assert metrics["qa.answer_accuracy"] == pytest.approx(1 / 3)
    assert metrics["qa.citation_recall"] == pytest.approx(1 / 3)
    assert metrics["qa.citation_precision"] == pytest.approx(1 / 2)
    assert metrics["qa.false_refusal_rate"] == pytest.approx(1 / 3)  # q3 missing
    assert metrics["qa.refusal_accuracy"] == 0.5
    assert metrics["qa.latency_p50_s"] == 1.0
    assert metrics["qa.latency_p95_s"] == pytest.approx(2.8)
    assert metrics["qa.errors"] == 1.0
    assert metrics["qa.questions"] == 5.0
    assert metrics["qa.cost.model_calls"] == 4.0
    rows = {r["id"]: r for r in details["questions"]}
    assert rows["q1"]["correct"] is True and rows["q1"]["cited"] == ["002_x.txt"]
    assert rows["q2"]["missing_facts"] == [["3.19亿", "3.19億"]]
    assert rows["q3"]["error"] == "model timed out" and rows["q3"]["answer"] is None
    assert rows["u1"]["correct_refusal"] is True
    assert rows["u2"]["correct_refusal"] is False and rows["u2"]["answerable"] is True
    json.dumps(details, ensure_ascii=False)


class StubLLM:
    """Counts calls like ``LLM.usage()`` does."""

    model = "stub"

    def __init__(self, server: Any = None) -> None:
        self.calls = 0
        self.server = server  # the embedded server (None: an endpoint)

    def usage(self) -> dict[str, Any]:
        return {"model": self.model, "calls": self.calls, "cache_hits": 0,
                "prompt_tokens": 10 * self.calls, "completion_tokens": self.calls,
                "latency_s": 0.0, "cost_usd": None}

    def __enter__(self) -> StubLLM:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_run_qa_with_stub_answerer(monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.qa.answer

    answers = _answers()
    asked: list[tuple[str, int]] = []

    def fake_answer(store: Any, llm: StubLLM, question: str, *, k: int = 3) -> Answer:
        item = next(i for i in _qa_gold().items if i.question == question)
        asked.append((item.id, k))
        llm.calls += 1
        if item.id not in answers:
            raise ModelError("model timed out")
        return answers[item.id]

    monkeypatch.setattr(agent.qa.answer, "answer_question", fake_answer)
    llm = StubLLM()
    llm.calls = 7  # earlier calls (extraction) are not charged to QA
    lines: list[str] = []
    metrics, details = runner.run_qa(object(), llm, _qa_gold(), lines.append, k=4)  # type: ignore[arg-type]
    assert [a for a, _ in asked] == ["q1", "q2", "q3", "u1", "u2"]
    assert {k for _, k in asked} == {4}
    assert metrics["qa.answer_accuracy"] == pytest.approx(1 / 3)
    assert metrics["qa.errors"] == 1.0
    assert metrics["qa.cost.model_calls"] == 5.0
    assert metrics["qa.cost.prompt_tokens"] == 50.0
    assert "qa.latency_p95_s" in metrics
    assert any("q3: error" in line for line in lines)
    assert details["questions"][2]["error"] == "model timed out"


# --------------------------------------------------------------------------- retrieval


def test_retrieval_results() -> None:
    rankings = {
        "q1": ["/s/002_x.txt", "/s/002_x.txt", "/s/004_z.txt"],
        "q2": ["/s/004_z.txt", "/s/004_z.txt", "/s/001.txt", "/s/003_y.txt"],
        "q3": ["/s/001.txt"],
    }
    metrics, details = runner.retrieval_results(
        _qa_gold(), rankings, latencies_ms={"q1": 10.0, "q2": 20.0, "q3": 30.0}, context_k=3)
    assert metrics["retrieval.hit@1"] == pytest.approx(1 / 3)
    assert metrics["retrieval.hit@3"] == pytest.approx(2 / 3)  # distinct documents
    assert metrics["retrieval.mrr"] == pytest.approx((1 + 1 / 3) / 3)
    assert metrics["retrieval.context_hit@3"] == pytest.approx(1 / 3)  # first 3 chunks
    assert metrics["retrieval.latency_p50_ms"] == 20.0
    assert metrics["retrieval.questions"] == 3.0
    rows = {r["id"]: r for r in details["questions"]}
    assert rows["q2"]["ranked"] == ["004_z.txt", "001.txt", "003_y.txt"]
    assert rows["q2"]["rank"] == 3 and rows["q3"]["rank"] is None
    assert "retrieval.context_facts" not in metrics
    metrics, details = runner.retrieval_results(
        _qa_gold(), rankings, context_facts={"q1": True, "q2": False, "q3": False})
    assert metrics["retrieval.context_facts"] == pytest.approx(1 / 3)
    assert details["questions"][0]["context_facts"] is True


def test_bench_metrics() -> None:
    result = {"datasets": {
        "cmrc2018": {"contexts": 1, "hybrid": {"hit@1": 0.9, "hit@5": 0.99, "mrr": 0.95,
                                               "p50_ms": 4.0, "p95_ms": 9.0},
                     "dense": {"hit@1": 0.1, "hit@5": 0.2, "mrr": 0.1}},
        "drcd": {"hybrid": {"hit@1": 0.8, "hit@5": 1.0, "mrr": 0.9}},
    }, "scale": None}
    m = runner.bench_metrics(result)
    assert m["retrieval.cmrc2018.hybrid.hit@5"] == 0.99
    assert m["retrieval.drcd.hybrid.mrr"] == 0.9
    assert not any(".dense." in k for k in m)


# --------------------------------------------------------------------------- run_eval wiring


def test_run_eval_validates_before_work(tmp_path: Path) -> None:
    from agent.core.config import load_settings
    from agent.core.errors import InputError

    settings = load_settings({"cache_dir": tmp_path})
    with pytest.raises(InputError):
        runner.run_eval(settings, suites={"summaries"}, gold_dir=GOLD_DIR, corpus=SEEDS)
    qa_only = tmp_path / "qa.yaml"
    shutil.copy(GOLD_DIR / "qa.yaml", qa_only)
    with pytest.raises(GoldError, match="extraction gold"):
        runner.run_eval(settings, suites={"extraction"}, gold_dir=[qa_only], corpus=SEEDS)
    with pytest.raises(GoldError, match="not found"):
        runner.run_eval(settings, suites={"qa"}, gold_dir=GOLD_DIR, corpus=tmp_path)
    assert not (tmp_path / "eval-store").exists()  # nothing ingested


def test_run_eval_all_suites_with_stubs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real ingest + hybrid retrieval over the seeds; extraction and QA stubbed (no model)."""
    import agent.extract.summarize
    import agent.llm.client
    import agent.qa.answer
    from agent.core.config import load_settings
    from agent.extract.summarize import SummaryRun

    def fake_summarize(store: Any, llm: StubLLM, documents: list[Any], *,
                       on_document: Any = None) -> SummaryRun:
        docs = []
        for d in documents:
            llm.calls += 2
            doc = DocumentExtraction(doc_id=d.doc_id, path=d.path)
            if on_document:
                on_document(doc)
            docs.append(doc)
        return SummaryRun(documents=docs, merged=MergedItems(), usage=llm.usage())

    def refuse(store: Any, llm: StubLLM, question: str, *, k: int = 3) -> Answer:
        return Answer(question=question, answer="资料中没有相关内容。", answerable=False)

    monkeypatch.setattr(agent.llm.client.LLM, "from_settings",
                        classmethod(lambda cls, settings, command: StubLLM(
                            SimpleNamespace(threads=2))))
    monkeypatch.setattr(agent.extract.summarize, "summarize", fake_summarize)
    monkeypatch.setattr(agent.qa.answer, "answer_question", refuse)
    settings = load_settings({"cache_dir": tmp_path / "cache"})
    lines: list[str] = []
    result = runner.run_eval(settings, suites={"extraction", "qa", "retrieval"},
                             gold_dir=GOLD_DIR, corpus=SEEDS, echo=lines.append)
    m = result.metrics
    assert result.suites == ["extraction", "qa", "retrieval"]
    assert Path(result.store).parent == tmp_path / "cache" / "eval-store"
    assert result.details["store"]["documents"] == 5
    assert m["extraction.recall.all"] == 0.0
    assert m["extraction.evidence_validity"] == 1.0  # no items, nothing invalid
    assert m["extraction.cost.model_calls"] == 10.0
    assert m["qa.answer_accuracy"] == 0.0
    assert m["qa.refusal_accuracy"] == 1.0
    assert m["qa.false_refusal_rate"] == 1.0
    assert m["retrieval.hit@5"] >= 0.8  # real hybrid retrieval over the seeds
    assert result.details["model"] == "stub"
    assert result.details["threads"] == 2  # the embedded model's answers depend on it
    assert len(result.details["extraction"]["documents"]) == 5
    assert len(result.details["qa"]["questions"]) == 35
    code, failures = runner.gate_exit_code(m, THRESHOLDS)
    assert code == runner.GATE_EXIT_CODE
    assert any(f.startswith("qa.answer_accuracy") for f in failures)
    assert any(f.startswith("extraction.recall.alliance") for f in failures)
    data = json.loads(result.to_json())
    assert data["metrics"]["qa.refusal_accuracy"] == 1.0
    assert any("eval store" in line for line in lines)


def test_qa_bench_split_holds_out_whole_articles_and_scores_answers() -> None:
    from agent.evaluation.bench import answered_correctly, pick_questions, split_by_title

    rows = [{"id": f"q{i}", "title": f"t{i // 2}", "context": f"c{i // 2}-{i % 2}",
             "question": "?", "answers": [{"text": "三茂铁路", "answer_start": 0}]}
            for i in range(8)]
    indexed, held_out = split_by_title(rows)
    # both paragraphs of an article are on the same side
    for title in {r["title"] for r in rows}:
        sides = {r["context"] in indexed for r in rows if r["title"] == title}
        assert len(sides) == 1
    assert indexed and held_out and not indexed & held_out
    picked = pick_questions(rows, indexed, per_side=1)
    assert [side for _row, side in picked].count(True) == 1
    assert [side for _row, side in picked].count(False) == 1
    cit = Citation(doc_id="ctx0003-0", path="ctx0003-0.txt", chunk_id="c", quote="x", start=0,
                   end=1)
    good = Answer(question="?", answer="由三茂铁路股份有限公司运营。", answerable=True,
                  citations=[cit])
    assert answered_correctly(good, rows[0], "ctx0003")
    assert not answered_correctly(good, rows[0], "ctx0004")  # another context cited
    assert not answered_correctly(good.model_copy(update={"answer": "广铁集团"}), rows[0],
                                  "ctx0003")


def test_sample_questions_takes_every_nth_in_file_order() -> None:
    from agent.evaluation.gold import QAGold, QAItem
    from agent.evaluation.runner import sample_questions

    items = [QAItem(id=f"q{i}", question=f"问题{i}？", script="simplified", answer="",
                    answerable=False, trap="absent") for i in range(5)]
    gold = QAGold(items=items)
    assert [i.id for i in sample_questions(gold, 2).items] == ["q0", "q2", "q4"]
    assert sample_questions(gold, 1) is gold
