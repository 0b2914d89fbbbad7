"""Build the batch report (JSON, Markdown, self-contained HTML) for a summary run."""

from __future__ import annotations

from agent.extract.schemas import DocumentExtraction
from agent.extract.summarize import SummaryRun
from agent.index.store import Store
from agent.report import ReportData

PROMPTS = ("extract_alliances", "extract_events", "overview")


def document_summary(d: DocumentExtraction) -> str:
    """A one-line digest built from the verified items (no model call, nothing invented)."""
    if d.error:
        return f"处理失败：{d.error}"
    parts = []
    if d.events:
        parts.append("活动：" + "、".join(e.name for e in d.events[:3]))
    if d.alliances:
        parts.append("联盟/共同体：" + "、".join(a.name for a in d.alliances[:4]))
    if d.targets:
        goals = sum(1 for t in d.targets if t.status == "goal")
        parts.append(f"数字指标 {len(d.targets)} 项（其中目标 {goals} 项）")
    return "；".join(parts) or "未抽取到条目"


def build_report(
    store: Store, run: SummaryRun, *, title: str, model: str, overview: list[tuple[str, list[str]]]
) -> ReportData:
    from agent.core.prompts import load_prompt
    from agent.report import FailedDocument, OverviewSentence, RunInfo

    usage: dict[str, float] = {
        k: float(v)
        for k, v in run.usage.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    usage["wall_time_s"] = round(run.wall_s, 2)
    usage["corpus_tokens"] = run.corpus_tokens
    usage["window_tokens"] = run.window_tokens
    return ReportData(
        title=title,
        documents=run.documents,
        merged=run.merged,
        overview=[OverviewSentence(text=t, refs=r) for t, r in overview],
        doc_summaries={d.doc_id: document_summary(d) for d in run.documents},
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
