"""The document store: a SQLite catalog (source of truth), Chroma vectors and a BM25 index.

Write order makes every interruption recoverable: new chunk vectors are upserted into
Chroma under fresh ids first, then one SQLite transaction swaps the document's rows,
then vectors no longer referenced are deleted. Readers only trust chunk ids present in
the catalog, and ``reconcile`` repairs Chroma after a crash. The BM25 index carries the
catalog generation it was built from and is rebuilt from stored tokens when stale.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from agent.core.config import Settings
from agent.core.errors import StoreError
from agent.index.migrations import catalog_migrations
from agent.ingest.documents import Chunk, Document

COLLECTION = "chunks"


@dataclass(frozen=True)
class StoredDocument:
    doc_id: str
    path: str
    title: str
    published: str | None
    script: str
    content_hash: str
    encoding: str
    chunk_params: str
    mojibake: list[tuple[int, int]]
    n_chunks: int
    ingested_at: float

    def as_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "path": self.path,
            "title": self.title,
            "published": self.published,
            "script": self.script,
            "content_hash": self.content_hash,
            "encoding": self.encoding,
            "chunks": self.n_chunks,
            "mojibake_spans": len(self.mojibake),
        }


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    doc_id: str
    index: int
    start: int
    end: int
    clean_start: int
    clean_end: int
    text: str
    search_text: str
    tokens: int
    path: str
    title: str


class Store:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = Path(settings.store)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.root / "catalog.sqlite", timeout=60)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            catalog_migrations.apply(self.db)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open store at {self.root}: {exc}") from exc
        self._collection: Any = None
        self._lexical: Any = None

    # ------------------------------------------------------------------ locking
    @contextlib.contextmanager
    def writing(self, wait_s: float = 600.0) -> Iterator[None]:
        """Exclusive writer lock across processes (a second ingest waits its turn)."""
        lock_path = self.root / "write.lock"
        with lock_path.open("a+") as fh:
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreError(f"store {self.root} is locked by another writer") from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # ------------------------------------------------------------------ chroma
    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self._open_collection()
        return self._collection

    def _open_collection(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        from agent.index.embeddings import EndpointEmbeddingFunction, USEEmbeddingFunction

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if self.settings.chroma_url:
                url = urlparse(self.settings.chroma_url)
                client = chromadb.HttpClient(
                    host=url.hostname or "127.0.0.1",
                    port=url.port or 8000,
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                client = chromadb.PersistentClient(
                    path=str(self.root / "chroma"), settings=chroma_settings
                )
            ef: Any = (
                EndpointEmbeddingFunction(self.settings.embedding_model, self.settings.base_url)
                if self.settings.embedding == "openai"
                else USEEmbeddingFunction()
            )
            return client.get_or_create_collection(
                COLLECTION,
                embedding_function=ef,
                configuration={
                    "hnsw": {
                        "space": "cosine",
                        "ef_search": self.settings.ef_search,
                        "ef_construction": 200,
                    }
                },
            )
        except Exception as exc:
            where = self.settings.chroma_url or str(self.root / "chroma")
            raise StoreError(f"cannot open Chroma at {where}: {exc}") from exc

    # ------------------------------------------------------------------ reads
    def generation(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def documents(self) -> list[StoredDocument]:
        rows = self.db.execute(
            """SELECT d.doc_id, d.path, d.title, d.published, d.script, d.content_hash,
                      d.encoding, d.chunk_params, d.mojibake, d.ingested_at,
                      (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.doc_id)
               FROM documents d ORDER BY d.path"""
        ).fetchall()
        return [self._doc_row(r) for r in rows]

    def document(self, doc_id: str) -> StoredDocument | None:
        return next((d for d in self.documents() if d.doc_id == doc_id), None)

    @staticmethod
    def _doc_row(r: Sequence[Any]) -> StoredDocument:
        return StoredDocument(
            doc_id=r[0],
            path=r[1],
            title=r[2],
            published=r[3],
            script=r[4],
            content_hash=r[5],
            encoding=r[6],
            chunk_params=r[7],
            mojibake=[tuple(s) for s in json.loads(r[8])],
            ingested_at=r[9],
            n_chunks=r[10],
        )

    def original(self, doc_id: str) -> str:
        row = self.db.execute("SELECT original FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            raise StoreError(f"document {doc_id} is not in the store")
        return str(row[0])

    def load_document(self, doc_id: str) -> Document:
        """Rebuild the full cleaned document from the stored original (cleaning is pure)."""
        from agent.ingest.cleaning import document_from_text

        stored = self.document(doc_id)
        if stored is None:
            raise StoreError(f"document {doc_id} is not in the store")
        return document_from_text(
            self.original(doc_id), path=stored.path, doc_id=doc_id, encoding=stored.encoding
        )

    def chunks(
        self, chunk_ids: Sequence[str] | None = None, doc_id: str | None = None
    ) -> list[StoredChunk]:
        sql = """SELECT c.chunk_id, c.doc_id, c.idx, c.start, c."end", c.clean_start, c.clean_end,
                        c.text, c.search_text, c.tokens, d.path, d.title
                 FROM chunks c JOIN documents d ON d.doc_id = c.doc_id"""
        params: list[Any] = []
        if chunk_ids is not None:
            if not chunk_ids:
                return []
            sql += f" WHERE c.chunk_id IN ({','.join('?' * len(chunk_ids))})"
            params = list(chunk_ids)
        elif doc_id is not None:
            sql += " WHERE c.doc_id = ?"
            params = [doc_id]
        sql += " ORDER BY d.path, c.idx"
        rows = self.db.execute(sql, params).fetchall()
        by_id = {r[0]: StoredChunk(*r) for r in rows}
        if chunk_ids is not None:
            return [by_id[c] for c in chunk_ids if c in by_id]
        return list(by_id.values())

    def counts(self) -> tuple[int, int]:
        docs = self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        chunks = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return int(docs), int(chunks)

    # ------------------------------------------------------------------ writes
    def replace_document(
        self,
        doc: Document,
        chunks: list[Chunk],
        embeddings: np.ndarray,
        words: list[list[str]],
        chunk_params: str,
    ) -> None:
        if chunks:
            self.collection.upsert(
                ids=[c.chunk_id for c in chunks],
                embeddings=embeddings,
                documents=[c.search_text for c in chunks],
                metadatas=[c.metadata() for c in chunks],
            )
        with self.db:
            self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc.doc_id,))
            self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc.doc_id,))
            self.db.execute(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    doc.doc_id,
                    doc.path,
                    doc.title,
                    doc.published,
                    doc.script,
                    doc.content_hash,
                    doc.encoding,
                    chunk_params,
                    json.dumps([(s.start, s.end) for s in doc.mojibake]),
                    doc.original,
                    time.time(),
                ),
            )
            self.db.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        c.chunk_id,
                        c.doc_id,
                        c.index,
                        c.start,
                        c.end,
                        c.clean_start,
                        c.clean_end,
                        c.text,
                        c.search_text,
                        c.tokens,
                        " ".join(w),
                    )
                    for c, w in zip(chunks, words, strict=True)
                ],
            )
            self._bump_generation()
        self._delete_stale_vectors(doc_id=doc.doc_id)

    def remove_documents(self, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        with self.db:
            for doc_id in doc_ids:
                self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
                self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            self._bump_generation()
        for doc_id in doc_ids:
            self._delete_stale_vectors(doc_id=doc_id)

    def _bump_generation(self) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def _catalog_chunk_ids(self, doc_id: str | None = None) -> set[str]:
        if doc_id is None:
            rows = self.db.execute("SELECT chunk_id FROM chunks").fetchall()
        else:
            rows = self.db.execute(
                "SELECT chunk_id FROM chunks WHERE doc_id=?", (doc_id,)
            ).fetchall()
        return {r[0] for r in rows}

    def _delete_stale_vectors(self, doc_id: str | None = None) -> int:
        where = {"doc_id": doc_id} if doc_id else None
        present = self.collection.get(where=where, include=[])["ids"]
        keep = self._catalog_chunk_ids(doc_id)
        stale = [i for i in present if i not in keep]
        if stale:
            self.collection.delete(ids=stale)
        return len(stale)

    def reconcile(self) -> dict[str, int]:
        """Repair Chroma after an interrupted write: drop orphans, report missing vectors."""
        removed = self._delete_stale_vectors()
        present = set(self.collection.get(include=[])["ids"])
        missing = sorted(self._catalog_chunk_ids() - present)
        if missing:
            from agent.index.embeddings import embed_texts

            rows = self.chunks(missing)
            self.collection.upsert(
                ids=[r.chunk_id for r in rows],
                embeddings=embed_texts([r.search_text for r in rows]),
                documents=[r.search_text for r in rows],
                metadatas=[
                    {"doc_id": r.doc_id, "index": r.index, "start": r.start, "end": r.end}
                    for r in rows
                ],
            )
        return {"removed_vectors": removed, "restored_vectors": len(missing)}

    # ------------------------------------------------------------------ lexical
    def lexical(self) -> Any:
        from agent.index.lexical import LexicalIndex

        folder = self.root / "bm25"
        generation = self.generation()
        stamp = folder / "generation"
        if self._lexical is not None and self._lexical[0] == generation:
            return self._lexical[1]
        index = None
        if stamp.is_file() and stamp.read_text().strip() == str(generation):
            index = LexicalIndex.load(folder)
        if index is None:
            rows = self.db.execute(
                "SELECT c.chunk_id, c.words FROM chunks c JOIN documents d USING(doc_id) "
                "ORDER BY d.path, c.idx"
            ).fetchall()
            index = LexicalIndex.build([r[0] for r in rows], [r[1].split() for r in rows])
            tmp = folder.with_name("bm25.tmp")
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
            index.save(tmp)
            (tmp / "generation").write_text(str(generation))
            shutil.rmtree(folder, ignore_errors=True)
            tmp.rename(folder)
        self._lexical = (generation, index)
        return index

    def close(self) -> None:
        self.db.close()
