"""Evaluation against hand-written gold data (``evals/``): extraction, QA, retrieval.

* :mod:`agent.evaluation.gold` – gold models, loading, corpus lookup.
* :mod:`agent.evaluation.metrics` – normalisation, matching and metric functions.
* :mod:`agent.evaluation.gate` – threshold checks for CI.
"""

from __future__ import annotations

from agent.evaluation.gate import ThresholdError, check_thresholds, load_thresholds
from agent.evaluation.gold import (
    ExtractionGold,
    GoldAlliance,
    GoldDocument,
    GoldError,
    GoldEvent,
    GoldTarget,
    QAGold,
    QAItem,
    check_extraction_evidence,
    check_qa_documents,
    load_corpus,
    load_extraction_gold,
    load_qa_gold,
    read_document,
    resolve_document,
)
from agent.evaluation.metrics import (
    ExtractionReport,
    QAReport,
    evaluate_extraction,
    evaluate_qa,
    evidence_validity,
    extraction_metrics,
    normalise_name,
    normalise_text,
    normalise_unit,
    qa_metrics,
    retrieval_metrics,
)

__all__ = [
    "ExtractionGold",
    "ExtractionReport",
    "GoldAlliance",
    "GoldDocument",
    "GoldError",
    "GoldEvent",
    "GoldTarget",
    "QAGold",
    "QAItem",
    "QAReport",
    "ThresholdError",
    "check_extraction_evidence",
    "check_qa_documents",
    "check_thresholds",
    "evaluate_extraction",
    "evaluate_qa",
    "evidence_validity",
    "extraction_metrics",
    "load_corpus",
    "load_extraction_gold",
    "load_qa_gold",
    "load_thresholds",
    "normalise_name",
    "normalise_text",
    "normalise_unit",
    "qa_metrics",
    "read_document",
    "resolve_document",
    "retrieval_metrics",
]
