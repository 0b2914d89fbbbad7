"""Build the batch report (JSON, Markdown, self-contained HTML) for a summary run."""

from __future__ import annotations

from agent.extract.summarize import SummaryRun
from agent.index.store import Store
from agent.report import ReportData

PROMPTS = ("extract_alliances", "extract_events", "overview")


def build_report(
    store: Store, run: SummaryRun, *, title: str, model: str, overview: list[tuple[str, list[str]]]
) -> ReportData:
    from agent.core.prompts import load_prompt
    from agent.report import FailedDocument, OverviewSentence, RunInfo
    from agent.report.digest import document_digest, template_overview

    usage: dict[str, float] = {
        k: float(v)
        for k, v in run.usage.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    usage["wall_time_s"] = round(run.wall_s, 2)
    usage["corpus_tokens"] = run.corpus_tokens
    usage["window_tokens"] = run.window_tokens
    data = ReportData(
        title=title,
        documents=run.documents,
        merged=run.merged,
        overview=[OverviewSentence(text=t, refs=r) for t, r in overview],
        doc_summaries={d.doc_id: document_digest(d) for d in run.documents},
        originals={d.doc_id: store.original(d.doc_id) for d in run.documents},
        run=RunInfo(
            model=model,
            prompt_versions={p: str(load_prompt(p).version) for p in PROMPTS},
            usage=usage,
            document_hashes={d.doc_id: d.content_hash for d in run.documents},
            failed=[
                FailedDocument(doc_id=d.doc_id, path=d.path, reason=d.error or "")
                for d in run.failed
            ],
        ),
    )
    if not data.overview:  # no model summary (failed, all sentences dropped, or not asked)
        data.overview = [OverviewSentence(text=t, refs=r) for t, r in template_overview(data)]
        data.overview_source = "template"
    return data
