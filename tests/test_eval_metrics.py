"""Gold data integrity and evaluation metrics (agent/evaluation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.evaluation import (
    ExtractionGold,
    GoldAlliance,
    GoldDocument,
    GoldEvent,
    GoldTarget,
    QAGold,
    check_extraction_evidence,
    check_qa_documents,
    check_thresholds,
    evaluate_extraction,
    evaluate_qa,
    evidence_validity,
    extraction_metrics,
    load_extraction_gold,
    load_qa_gold,
    normalise_name,
    normalise_text,
    normalise_unit,
    qa_metrics,
    retrieval_metrics,
)
from agent.evaluation.gate import ThresholdError, load_thresholds
from agent.evaluation.gold import GoldError, resolve_document
from agent.evaluation.metrics import (
    all_items,
    answer_is_correct,
    bigram_jaccard,
    date_correct,
    fact_present,
    hit_at_k,
    name_score,
    reciprocal_rank,
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
from agent.text.normalize import to_simplified

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOLD_EXTRACTION = ROOT / "evals" / "gold" / "extraction.yaml"
GOLD_QA = ROOT / "evals" / "gold" / "qa.yaml"
THRESHOLDS = ROOT / "evals" / "thresholds.toml"


@pytest.fixture(scope="module")
def gold() -> ExtractionGold:
    return load_extraction_gold(GOLD_EXTRACTION)


@pytest.fixture(scope="module")
def qa() -> QAGold:
    return load_qa_gold(GOLD_QA)


def _text(file: str) -> str:
    return (SEEDS / file).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- gold integrity


def test_every_gold_quote_is_an_exact_substring_of_its_seed(gold: ExtractionGold) -> None:
    n = 0
    for doc in gold.documents:
        text = _text(doc.file)
        items: list[GoldEvent | GoldAlliance | GoldTarget] = [
            *doc.events,
            *doc.alliances,
            *doc.targets,
        ]
        for item in items:
            assert item.evidence
            for quote in item.evidence:
                assert quote and quote in text, (doc.file, quote)
                n += 1
        for target in doc.targets:
            assert target.amount_text in text, (doc.file, target.amount_text)
    assert n >= 40
    assert check_extraction_evidence(gold, SEEDS) == []


def test_gold_extraction_counts(gold: ExtractionGold) -> None:
    files = {d.file for d in gold.documents}
    assert files == {p.name for p in SEEDS.glob("*.txt")}
    assert gold.item_count >= 40
    for doc in gold.documents:
        assert doc.item_count >= 5, doc.file
    assert sum(len(d.alliances) for d in gold.documents) >= 10
    assert sum(len(d.events) for d in gold.documents) >= 8
    assert sum(len(d.targets) for d in gold.documents) >= 20


def test_gold_expected_items_present(gold: ExtractionGold) -> None:
    names = {normalise_name(a.name) for d in gold.documents for a in d.alliances}
    names |= {normalise_name(e.name) for d in gold.documents for e in d.events}
    for expected in [
        "中原经济区技工教育联盟",
        "中原经济区技工教育联盟成立大会",
        "齐齐哈尔现代农业职业教育集团",
        "绍兴数字工匠中高政园企共育联盟",
        "市域职业教育协同创新发展联盟",
        "对俄经贸产教融合共同体",
    ]:
        assert expected in names
    d002 = gold.document("002_af21a9a31e226004.txt")
    assert d002.alliances[0].lead == "冀南技師學院"
    assert d002.alliances[0].founded == "2023-06-12"
    d003 = gold.document("003_dabb0bdaedc4487d.txt")
    assert any(t.value == 319_000_000 and t.unit == "CNY" for t in d003.targets)
    d001 = gold.document("001_4220fd22daa105e4.txt")
    assert sum(t.deadline_year == 2025 for t in d001.targets) >= 5


def test_nothing_annotated_from_seed_004_link_lists(gold: ExtractionGold) -> None:
    text = _text("004_dda3a32338a80fe7.txt")
    cut = text.index("相关阅读")
    doc = gold.document("004_dda3a32338a80fe7.txt")
    items: list[GoldEvent | GoldAlliance | GoldTarget] = [*doc.events, *doc.alliances, *doc.targets]
    for item in items:
        for quote in item.evidence:
            assert text.index(quote) + len(quote) <= cut, quote


def test_gold_qa_counts(qa: QAGold) -> None:
    assert len(qa.items) >= 25
    assert len(qa.unanswerable) >= 5
    trad = [i for i in qa.items if i.script == "traditional"]
    assert len(trad) >= 4
    for item in trad:  # really written in traditional characters
        assert to_simplified(item.question) != item.question, item.id
    for item in qa.items:
        if item.script == "simplified":
            assert to_simplified(item.question) == item.question, item.id
    trad_docs = {"000_85e36437b5c9e5fe.txt", "002_af21a9a31e226004.txt", "003_dabb0bdaedc4487d.txt"}
    simp_docs = {"001_4220fd22daa105e4.txt", "004_dda3a32338a80fe7.txt"}
    assert any(i.script == "simplified" and set(i.documents) & trad_docs for i in qa.items)
    assert any(i.script == "traditional" and set(i.documents) & simp_docs for i in qa.items)
    assert check_qa_documents(qa, SEEDS) == []


def test_gold_qa_key_facts_are_in_reference_and_documents(qa: QAGold) -> None:
    for item in qa.answerable:
        ref = Answer(question=item.question, answer=item.answer, answerable=True)
        assert answer_is_correct(ref, item), item.id
        docs = normalise_text("".join(_text(f) for f in item.documents))
        for fact in item.key_facts:
            assert fact_present(docs, fact), (item.id, fact)


DEV_CORPUS = ROOT.parent / "shared" / "corpus" / "crud_news"
DEV_GOLD = ROOT / "evals" / "gold" / "dev"
needs_dev_corpus = pytest.mark.skipif(not DEV_CORPUS.is_dir(),
                                      reason="../shared/corpus/crud_news is not beside the repo")


@needs_dev_corpus
def test_development_gold_quotes_and_relevance() -> None:
    dev = load_extraction_gold(DEV_GOLD / "extraction.yaml")
    assert len(dev.documents) >= 40
    assert check_extraction_evidence(dev, DEV_CORPUS) == []
    assert any(not d.relevant for d in dev.documents)
    for doc in dev.documents:
        if not doc.relevant:
            assert doc.item_count == 0, doc.file
        for event in doc.events:
            assert event.document is None or event.event_type == "发布文件", event.name


@needs_dev_corpus
def test_development_qa_facts_are_in_reference_and_documents() -> None:
    dev = load_qa_gold(DEV_GOLD / "qa.yaml")
    assert len(dev.answerable) >= 60 and len(dev.unanswerable) >= 20
    assert check_qa_documents(dev, DEV_CORPUS) == []
    for item in dev.unanswerable:
        assert item.trap is not None, item.id
    for item in dev.answerable:
        ref = Answer(question=item.question, answer=item.answer, answerable=True)
        assert answer_is_correct(ref, item), item.id
        docs = normalise_text("".join((DEV_CORPUS / f).read_text(encoding="utf-8")
                                      for f in item.documents))
        for fact in item.key_facts:
            assert fact_present(docs, fact), (item.id, fact)


def test_gold_loader_rejects_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "qa.yaml"
    bad.write_text(
        "items:\n- {id: x, question: q, script: simplified, answer: a, answerable: true}\n"
    )
    with pytest.raises(GoldError):
        load_qa_gold(bad)
    with pytest.raises(GoldError):
        load_qa_gold(tmp_path / "missing.yaml")
    with pytest.raises(GoldError):
        resolve_document(SEEDS, "../pyproject.toml")
    jl = tmp_path / "qa.jsonl"
    jl.write_text(
        '{"id": "a", "question": "q", "script": "simplified", "answer": "x", "answerable": false}\n'
    )
    assert len(load_qa_gold(jl).items) == 1


# --------------------------------------------------------------------------- normalisation


def test_normalise_name_script_glue_and_punctuation() -> None:
    assert normalise_name("中原經(jīng)濟(jì)區(qū)技工教育聯(lián)盟") == "中原经济区技工教育联盟"
    # no synonym table: a spun word stays what it is (gold lists it among the aliases)
    assert normalise_name("市域产教连合体") == "市域产教连合体"
    assert normalise_name(" 绍兴数字工匠“中高政园企”共育联盟 ") == "绍兴数字工匠中高政园企共育联盟"
    assert normalise_name("（ＡＢＣ）") == "abc"
    assert normalise_name("九縣(市)") == "九县市"  # Chinese parentheses content is kept


def test_normalise_unit() -> None:
    assert normalise_unit("元") == "CNY"
    assert normalise_unit("CNY") == "CNY"
    assert normalise_unit("名") == "人"
    assert normalise_unit("個") == "个"
    assert normalise_unit("person-times") == normalise_unit("人次") == "人次"  # the parser's
    assert normalise_unit("persons") == "人"
    assert normalise_unit("") is None
    assert normalise_unit(None) is None


def test_similarity_helpers() -> None:
    assert bigram_jaccard("abcd", "abcd") == 1.0
    assert bigram_jaccard("abcd", "wxyz") == 0.0
    assert name_score(["联盟"], ["中原经济区技工教育联盟"]) == 0.0  # too short to contain
    assert name_score(["中原经济区技工教育联盟"], ["中原經濟區技工教育聯盟"]) == 3.0
    assert 2.0 < name_score(["技工教育联盟"], ["中原经济区技工教育联盟"]) < 3.0


def test_date_correct() -> None:
    assert date_correct("2023-06-12", "2023-06-12")
    assert not date_correct("--06-12", "2023-06-12")  # the reader needs the year
    assert date_correct("--11-10", "--11-10")  # year unknown in gold too
    assert date_correct("2023-05-11", "2023")
    assert not date_correct("2024-06-12", "2023-06-12")
    assert not date_correct("2023-06", "2023-06-12")
    assert not date_correct(None, "2023")
    assert not date_correct("June", "2023")


# --------------------------------------------------------------------------- extraction


def _evidence(file: str, quotes: list[str]) -> list[Evidence]:
    text = _text(file)
    out = []
    for q in quotes:
        start = text.index(q)
        out.append(Evidence(doc_id=file, quote=q, start=start, end=start + len(q)))
    return out


def _flat(alternatives: list[str | list[str]]) -> list[str]:
    return [a if isinstance(a, str) else a[0] for a in alternatives]


def _perfect(doc: GoldDocument) -> DocumentExtraction:
    f = doc.file
    return DocumentExtraction(
        doc_id=f,
        path=f"seeds/{f}",
        events=[
            Event(
                name=e.name,
                event_type=e.event_type,
                date=e.date,
                location=e.location,
                organizers=_flat(e.organizers),
                hosts=_flat(e.hosts),
                evidence=_evidence(f, e.evidence),
            )
            for e in doc.events
        ],
        alliances=[
            Alliance(
                name=a.name,
                kind=a.kind,
                lead=a.lead,
                members=_flat(a.members),
                founded=a.founded,
                evidence=_evidence(f, a.evidence),
            )
            for a in doc.alliances
        ],
        targets=[
            Target(
                description=t.description,
                metric=t.description,
                value=t.value,
                unit=t.unit,
                qualifier=t.qualifier,
                amount_text=t.amount_text,
                deadline_year=t.deadline_year,
                status=t.status,
                evidence=_evidence(f, t.evidence),
            )
            for t in doc.targets
        ],
    )


def test_items_in_off_topic_documents_are_counted() -> None:
    gold = ExtractionGold(documents=[
        GoldDocument(file="a.txt", script="simplified", relevant=False),
        GoldDocument(file="b.txt", script="simplified"),
    ])
    ev = Evidence(doc_id="a", quote="台风来袭", start=0, end=4)
    preds = {"a.txt": MergedItems(events=[Event(name="防汛会议", event_type="会议",
                                                evidence=[ev])]),
             "b.txt": MergedItems()}
    m = extraction_metrics(gold, preds)
    assert m["extraction.offtopic_items"] == 1
    assert m["extraction.precision.event"] == 0.0


def test_perfect_predictions_score_one(gold: ExtractionGold) -> None:
    preds = [_perfect(d) for d in gold.documents]
    m = extraction_metrics(gold, preds)
    assert m.pop("extraction.offtopic_items") == 0
    assert m.pop("extraction.items_per_document") == pytest.approx(
        gold.item_count / len(gold.documents))
    for key, value in m.items():
        assert value == pytest.approx(1.0), key
    assert "extraction.field.alliance.lead" in m
    assert "extraction.field.event.date" in m
    originals = {d.file: _text(d.file) for d in gold.documents}
    assert evidence_validity(all_items(preds), originals) == 1.0
    # keyed by plain file name works as well
    by_name = {d.file: _perfect(d) for d in gold.documents}
    assert extraction_metrics(gold, by_name)["extraction.f1.all"] == pytest.approx(1.0)


def test_missing_items_lower_recall_not_precision(gold: ExtractionGold) -> None:
    preds = [_perfect(d) for d in gold.documents]
    first = preds[0]
    preds[0] = first.model_copy(update={"alliances": first.alliances[:2], "targets": []})
    report = evaluate_extraction(gold, preds)
    m = report.metrics()
    assert m["extraction.recall.alliance"] < 1.0
    assert m["extraction.recall.target"] < 1.0
    assert m["extraction.precision.alliance"] == 1.0
    assert m["extraction.recall.event"] == 1.0
    assert any(kind == "alliance" for _, kind, _ in report.missed)
    # no predictions at all
    empty = extraction_metrics(gold, {})
    assert empty["extraction.recall.all"] == 0.0
    assert empty["extraction.f1.all"] == 0.0


def test_spun_and_traditional_names_still_match(gold: ExtractionGold) -> None:
    ev = [Evidence(doc_id="x", quote="x", start=0, end=1)]
    preds = {
        "000_85e36437b5c9e5fe.txt": MergedItems(
            alliances=[
                Alliance(name="对俄经贸产教融合共同体", lead="哈职院", evidence=ev),
                Alliance(name="冰雪体育产教融合共同体", lead="哈尔滨科学技术职业学院", evidence=ev),
            ],
            events=[
                Event(
                    name="哈尔滨市职业教育活动周启动仪式",
                    event_type="启动仪式",
                    date="2023-05-11",
                    evidence=ev,
                )
            ],
        ),
        "seeds/001_4220fd22daa105e4.txt": MergedItems(
            alliances=[
                Alliance(name="职业教育战略性框架合作协议", kind="协议", evidence=ev),
                Alliance(name="数字经济省级市域产教联合体", kind="联合体", evidence=ev),
                Alliance(name="产教融合联盟", kind="联盟", evidence=ev),
            ],
            events=[
                Event(
                    name="2024年哈尔滨市职业教育活动周",
                    event_type="活动周",
                    date="2024-05",
                    evidence=ev,
                )
            ],
        ),
        "002_af21a9a31e226004": MergedItems(
            alliances=[Alliance(name="中原经济区技工教育联盟", lead="冀南技师学院", evidence=ev)],
        ),
    }
    report = evaluate_extraction(gold, preds)
    assert report.spurious == []
    c = report.counts
    assert c["alliance"].tp == 6
    assert c["event"].tp == 2
    m = report.metrics()
    assert m["extraction.field.alliance.lead"] == 1.0
    assert m["extraction.field.event.date"] == 1.0


def _target(value: float, unit: str | None, deadline: int | None = None) -> Target:
    ev = [Evidence(doc_id="x", quote="x", start=0, end=1)]
    return Target(
        description="d",
        metric="m",
        value=value,
        unit=unit,
        amount_text="",
        deadline_year=deadline,
        evidence=ev,
    )


def test_figures_of_one_clause_with_one_value_match_by_what_they_count() -> None:
    clause = "其中高级技师2人、技师1人、工程师2人"
    wanted = GoldTarget(description=clause, metric="高级技师", value=2, unit="人",
                        amount_text="2人", evidence=[clause])
    gold = ExtractionGold(documents=[
        GoldDocument(file="a.txt", script="simplified", targets=[wanted])])
    preds = [_target(2, "人").model_copy(update={"description": clause, "metric": m,
                                                 "amount_text": "2人"})
             for m in ("工程师", "高级技师")]
    report = evaluate_extraction(gold, {"a.txt": MergedItems(targets=preds)})
    assert report.metrics()["extraction.field.target.metric"] == 1.0
    assert report.spurious == [("a.txt", "target", f"{clause} (2人)")]


def test_target_matching_rules(gold: ExtractionGold) -> None:
    f3 = "003_dabb0bdaedc4487d.txt"
    n3 = len(gold.document(f3).targets)

    def tp(doc: str, targets: list[Target]) -> int:
        return evaluate_extraction(gold, {doc: MergedItems(targets=targets)}).counts["target"].tp

    assert tp(f3, [_target(3.19e8, "元")]) == 1  # magnitude folded, 元 == CNY
    assert tp(f3, [_target(3.19, "亿元")]) == 0  # magnitude not folded
    assert tp(f3, [_target(3.2e8, "CNY")]) == 0  # wrong value
    assert tp(f3, [_target(3.19e8, "人")]) == 0  # wrong unit
    assert tp(f3, [_target(300, "名")]) == 1  # 名 == 人
    assert tp(f3, [_target(9, "個"), _target(9, "个"), _target(9, "个")]) == 2  # one-to-one
    f1 = "001_4220fd22daa105e4.txt"
    assert tp(f1, [_target(100, "家", 2025)]) == 1
    assert tp(f1, [_target(100, "家", 2030)]) == 0  # wrong deadline
    assert tp(f1, [_target(67300, None)]) == 1  # unit_implicit
    assert tp(f1, [_target(43300, None)]) == 0  # unit required
    assert n3 > 2


def test_evidence_validity_detects_bad_offsets() -> None:
    text = "中原經濟區技工教育聯盟成立大會"
    good = Evidence(doc_id="d.txt", quote="技工教育", start=5, end=9)
    shifted = Evidence(doc_id="d.txt", quote="技工教育", start=4, end=8)
    unknown = Evidence(doc_id="other", quote="技工教育", start=5, end=9)
    items = [
        Alliance(name="a", evidence=[good, shifted]),
        Alliance(name="b", evidence=[unknown]),
        Alliance(name="c", evidence=[]),
    ]
    assert evidence_validity(items, {"seeds/d.txt": text}) == pytest.approx(1 / 4)
    assert evidence_validity([], {}) == 1.0


# --------------------------------------------------------------------------- QA


def _cite(file: str, quote: str) -> Citation:
    text = _text(file)
    start = text.index(quote)
    return Citation(
        doc_id=file,
        path=f"seeds/{file}",
        chunk_id=f"{file}#0",
        quote=quote,
        start=start,
        end=start + len(quote),
    )


def test_qa_metrics_perfect_and_degraded(qa: QAGold) -> None:
    perfect: dict[str, Answer] = {}
    for item in qa.items:
        if item.answerable:
            cit = Citation(
                doc_id=item.documents[0],
                path=item.documents[0],
                chunk_id="c",
                quote="q",
                start=0,
                end=1,
            )
            perfect[item.id] = Answer(
                question=item.question,
                answer=item.answer,
                answerable=True,
                citations=[cit],
            )
        else:
            perfect[item.id] = Answer(question=item.question, answer="资料中没有", answerable=False)
    m = qa_metrics(qa, perfect)
    assert m["qa.answer_accuracy"] == 1.0
    assert m["qa.citation_recall"] == 1.0
    assert m["qa.citation_precision"] == 1.0
    assert m["qa.refusal_accuracy"] == 1.0
    assert m["qa.false_refusal_rate"] == 0.0

    degraded = dict(perfect)
    degraded["q01"] = Answer(question="", answer="不知道", answerable=False)
    degraded["u01"] = Answer(
        question="",
        answer="11月26日",
        answerable=True,
        citations=[_cite("004_dda3a32338a80fe7.txt", "11月26日鸣枪开跑")],
    )
    del degraded["q02"]
    report = evaluate_qa(qa, degraded)
    m2 = report.metrics
    n_ans, n_un = len(qa.answerable), len(qa.unanswerable)
    assert m2["qa.answer_accuracy"] == pytest.approx((n_ans - 2) / n_ans)
    assert m2["qa.false_refusal_rate"] == pytest.approx(2 / n_ans)
    assert m2["qa.refusal_accuracy"] == pytest.approx((n_un - 1) / n_un)
    assert report.per_item["u01"] == {"correct_refusal": False}


def test_qa_traditional_answer_and_citation_rules(qa: QAGold) -> None:
    item = next(i for i in qa.items if i.id == "q07")
    f = "002_af21a9a31e226004.txt"
    good = Answer(
        question=item.question,
        answer="由冀南技師學院牽頭建立。",
        answerable=True,
        citations=[
            _cite(f, "冀南技師學(xué)院牽頭建立"),
            _cite("003_dabb0bdaedc4487d.txt", "3.19億元"),
        ],
    )
    r = evaluate_qa([item], {"q07": good})
    assert r.metrics["qa.answer_accuracy"] == 1.0
    assert r.metrics["qa.citation_precision"] == 0.5  # the 003 quote supports nothing
    assert r.metrics["qa.citation_recall"] == 1.0
    # a quote that contains a key fact counts as supporting even from another document
    other = Citation(
        doc_id="zzz", path="zzz.txt", chunk_id="c", quote="冀南技師學院", start=0, end=6
    )
    wrong_doc = good.model_copy(update={"citations": [other]})
    r2 = evaluate_qa([item], {"q07": wrong_doc})
    assert r2.metrics["qa.citation_precision"] == 1.0
    assert r2.metrics["qa.citation_recall"] == 0.0
    # a wrong fact fails accuracy; alternatives work (哈职院 for 哈尔滨职业技术学院)
    q01 = next(i for i in qa.items if i.id == "q01")
    assert answer_is_correct(Answer(question="", answer="在哈職院舉行", answerable=True), q01)
    assert not answer_is_correct(Answer(question="", answer="在冀南技师学院", answerable=True), q01)
    # a refusal with citations is not a correct refusal
    u = next(i for i in qa.items if i.id == "u02")
    cited_refusal = Answer(
        question="",
        answer="无",
        answerable=False,
        citations=[_cite("000_85e36437b5c9e5fe.txt", "匠心育人")],
    )
    assert evaluate_qa([u], {"u02": cited_refusal}).metrics["qa.refusal_accuracy"] == 0.0


def test_retrieval_metrics(qa: QAGold) -> None:
    assert hit_at_k(["a.txt", "b.txt"], ["seeds/b.txt"], 1) == 0.0
    assert hit_at_k(["a.txt", "b.txt"], ["seeds/b.txt"], 2) == 1.0
    assert hit_at_k(["a", "a", "a", "b"], ["b"], 2) == 1.0  # repeated docs count once
    assert reciprocal_rank(["x", "y", "b"], ["b"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x"], ["b"]) == 0.0
    perfect = {i.id: list(i.documents) for i in qa.answerable}
    m = retrieval_metrics(qa, perfect)
    assert m["retrieval.hit@1"] == 1.0
    assert m["retrieval.mrr"] == 1.0
    worst = retrieval_metrics(qa, {})
    assert worst["retrieval.hit@5"] == 0.0


# --------------------------------------------------------------------------- gate


def test_thresholds_file_loads() -> None:
    floors, ceilings = load_thresholds(THRESHOLDS)
    assert floors["extraction.evidence_validity"] == 1.0
    assert "qa.answer_accuracy" in floors
    assert "qa.refusal_accuracy" in floors
    assert "qa.false_refusal_rate" in ceilings


def test_gate_reports_degraded_metrics(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        '[floors]\n"extraction.recall.alliance" = 0.5\n"extraction.evidence_validity" = 1.0\n'
        "[floors.qa]\nanswer_accuracy = 0.6\n"
        '[ceilings]\n"qa.false_refusal_rate" = 0.2\n'
    )
    good = {
        "extraction.recall.alliance": 0.8,
        "extraction.evidence_validity": 1.0,
        "qa.answer_accuracy": 0.7,
        "qa.false_refusal_rate": 0.1,
    }
    assert check_thresholds(good, path) == []
    bad = {
        "extraction.recall.alliance": 0.41,
        "extraction.evidence_validity": 0.97,
        "qa.answer_accuracy": 0.7,
        "qa.false_refusal_rate": 0.3,
    }
    failures = check_thresholds(bad, path)
    assert "extraction.recall.alliance 0.41 < 0.50" in failures
    assert "qa.false_refusal_rate 0.30 > 0.20" in failures
    assert len(failures) == 3
    partial = {"extraction.recall.alliance": 0.9}
    assert check_thresholds(partial, path) == []
    assert len(check_thresholds(partial, path, require_all=True)) == 3
    assert check_thresholds({**good, "qa.answer_accuracy": float("nan")}, path)
    bad_file = tmp_path / "bad.toml"
    bad_file.write_text('[floors]\nx = "high"\n')
    with pytest.raises(ThresholdError):
        check_thresholds(good, bad_file)


def test_gate_with_project_thresholds_on_perfect_run(gold: ExtractionGold, qa: QAGold) -> None:
    preds = [_perfect(d) for d in gold.documents]
    metrics = extraction_metrics(gold, preds)
    originals = {d.file: _text(d.file) for d in gold.documents}
    metrics["extraction.evidence_validity"] = evidence_validity(all_items(preds), originals)
    metrics.update(retrieval_metrics(qa, {i.id: list(i.documents) for i in qa.answerable}))
    assert check_thresholds(metrics, THRESHOLDS) == []
    degraded = {k: 0.0 for k in metrics}
    assert check_thresholds(degraded, THRESHOLDS)
