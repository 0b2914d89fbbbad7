"""Ingest files and URLs into the store: load, clean, chunk, embed, index — incrementally."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agent.core import interrupt
from agent.core.config import Settings
from agent.core.errors import InputError
from agent.index.store import Store
from agent.ingest.cleaning import doc_id_for, extracted_document, load_document
from agent.ingest.documents import Chunk, Document
from agent.ingest.sources import SUFFIXES, extract, is_url

#: What ``agent ingest`` takes: a file, a folder, or an http(s) URL (a string).
Source = Path | str


@dataclass
class FileResult:
    path: str
    status: str  # added | updated | unchanged | failed | removed
    doc_id: str = ""
    chunks: int = 0
    title: str = ""
    error: str = ""


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


def expand_paths(paths: Iterable[Source]) -> list[Source]:
    """Files and URLs given directly, plus supported files under given folders (sorted)."""
    files: list[Source] = []
    for item in paths:
        if is_url(item):
            files.append(str(item))
            continue
        p = Path(item)
        if p.is_dir():
            files.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file()
                    and f.suffix.lower() in SUFFIXES
                    # hidden files/folders inside the given folder; the folder itself
                    # may be reached through "..": ``agent ingest ../shared/corpus``
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)
                )
            )
        elif p.exists():
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    seen: set[Path | str] = set()
    unique = []
    for f in files:
        key = f if isinstance(f, str) else f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def load_source(item: Source, max_bytes: int) -> Document:
    """The cleaned document of a file (stored under its absolute path, which ``--prune``
    and path selection need) or of a fetched URL."""
    if isinstance(item, str):
        from agent.ingest.fetch import fetch  # httpx only when a URL is given

        got = fetch(item, max_bytes=max_bytes)
        suffix = got.suffix if got.suffix != ".txt" else Path(item).suffix.lower() or ".txt"
        return extracted_document(extract(got.data, item, suffix, url=got.url), item)
    doc = load_document(item, max_bytes=max_bytes)
    doc.path = str(item.resolve())
    return doc


def chunk_params(settings: Settings) -> str:
    return (f"tok={settings.chunk_tokens};overlap={settings.chunk_overlap_tokens};"
            f"emb={settings.embedding}")


#: Documents written together (one embedding batch, one Chroma call, one catalog
#: transaction): ingest of short reports is dominated by the per-call cost otherwise.
WRITE_BATCH_DOCS = 64
WRITE_BATCH_CHUNKS = 256


@dataclass
class _Pending:
    """Documents chunked and waiting to be embedded and written together."""

    items: list[tuple[Source, Document, list[Chunk], bool]] = field(default_factory=list)

    @property
    def chunks(self) -> int:
        return sum(len(chunks) for _, _, chunks, _ in self.items)


def ingest(
    store: Store,
    paths: Iterable[Source],
    *,
    prune: bool = False,
    refetch: bool = False,
    on_file: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Bring files, folders and URLs up to date in the store. A URL already stored is not
    fetched again unless ``refetch``. Results come in file order; new and changed
    documents are written in batches, so an interrupted run keeps every batch written."""
    from agent.core.tokens import count_tokens
    from agent.ingest.chunking import chunk_document

    settings = store.settings
    files = expand_paths(paths)
    params = chunk_params(settings)
    report = IngestReport()
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    pending = _Pending()

    def emit(result: FileResult) -> None:
        report.results.append(result)
        if on_file:
            on_file(result)

    def flush() -> None:
        if pending.items:
            _write(store, pending.items, params)
            for path, doc, chunks, existed in pending.items:
                emit(FileResult(str(path), "updated" if existed else "added", doc.doc_id,
                                len(chunks), doc.title))
            pending.items.clear()

    with store.writing():
        for path in files:
            interrupt.check()
            if isinstance(path, str) and not refetch and (
                    stored := store.document(doc_id_for(path))) is not None:
                flush()
                emit(FileResult(path, "unchanged", stored.doc_id, stored.n_chunks, stored.title))
                continue
            try:
                doc = load_source(path, max_bytes)
            except InputError as exc:
                flush()
                emit(FileResult(str(path), "failed", error=str(exc)))
                continue
            existing = store.document(doc.doc_id)
            if (
                existing
                and existing.content_hash == doc.content_hash
                and existing.chunk_params == params
            ):
                flush()
                emit(FileResult(str(path), "unchanged", doc.doc_id, existing.n_chunks,
                                existing.title))
                continue
            chunks = chunk_document(
                doc,
                max_tokens=settings.chunk_tokens,
                overlap_tokens=settings.chunk_overlap_tokens,
                count=count_tokens,
            )
            pending.items.append((path, doc, chunks, existing is not None))
            if len(pending.items) >= WRITE_BATCH_DOCS or pending.chunks >= WRITE_BATCH_CHUNKS:
                flush()
        flush()
        if prune:
            gone = [d for d in store.documents()
                    if not is_url(d.path) and not Path(d.path).exists()]
            store.remove_documents([d.doc_id for d in gone])
            for d in gone:
                emit(FileResult(d.path, "removed", d.doc_id, d.n_chunks, d.title))
        store.lexical()  # rebuild the BM25 index now rather than on the first query
    return report


def _write(store: Store, items: list[tuple[Source, Document, list[Chunk], bool]],
           params: str) -> None:
    """Embed the chunks of ``items`` in one batch and write them in one go."""
    from agent.index.embeddings import embed_texts
    from agent.index.lexical import tokenize
    from agent.index.store import DocumentRows

    texts = [c.search_text for _, _, chunks, _ in items for c in chunks]
    vectors = embed_texts(texts)
    batch, at = [], 0
    for _, doc, chunks, _ in items:
        batch.append(DocumentRows(doc, chunks, vectors[at : at + len(chunks)],
                                  [tokenize(c.search_text) for c in chunks]))
        at += len(chunks)
    store.replace_documents(batch, params)
