"""The document store: a SQLite catalog (source of truth), Chroma vectors and a BM25 index.

Write order makes every interruption recoverable: new chunk vectors are upserted into
Chroma under fresh ids first, then one SQLite transaction swaps the document's rows,
then vectors no longer referenced are deleted. Readers only trust chunk ids present in
the catalog. Chroma and BM25 are derived from the catalog and repaired from it: opening
Chroma compares its ids with the catalog's and ``reconcile`` re-embeds what is missing
(Chroma deleted, emptied or damaged); the BM25 index carries the catalog generation it was
built from and is rebuilt from stored tokens when stale, unreadable or listing other ids.
A damaged catalog is a :class:`StoreError` that names the repair: ``agent ingest --rebuild``
(:func:`catalog_problem`, :func:`catalog_sources`, :func:`rebuild_store`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlparse

import numpy as np

from agent.core.config import Settings
from agent.core.errors import StoreError, one_line
from agent.core.files import private_dir, private_file, swap_in_dir
from agent.index.migrations import catalog_migrations
from agent.ingest.documents import Chunk, Document, chunk_metadata
from agent.ingest.sources import SourceInfo

if TYPE_CHECKING:
    from agent.index.lexical import LexicalIndex

log = logging.getLogger(__name__)

COLLECTION = "chunks"
CATALOG = "catalog.sqlite"
LOCK_FILE = "write.lock"
OPEN_LOCK_FILE = "open.lock"
"""Held while a process sets up the catalog (WAL mode, migrations): two processes opening a
new store at once otherwise race in SQLite's switch to WAL, where one can get "database is
locked" at once instead of waiting (12 of 30 trials of four processes opening one new store
at the same instant)."""
EMBED_BATCH = 256
PROGRESS_FROM = 500  # chunks to re-embed before a progress bar is worth showing
# sqlite messages that mean the file itself is damaged (not locked, full or read-only)
_DAMAGE = ("malformed", "not a database", "corrupt", "disk i/o error")

P = ParamSpec("P")
R = TypeVar("R")


def catalog_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """One line for a failing catalog; a damaged file gets the command that repairs it."""
    if any(word in str(exc).lower() for word in _DAMAGE):
        return StoreError(
            f"the catalog {path} is damaged ({exc}): rebuild the store from the source files "
            "with `agent ingest --rebuild` (add the source folders if it cannot list them)"
        )
    return StoreError(f"catalog {path}: {exc}")


def _guarded(method: Callable[Concatenate[Store, P], R]) -> Callable[Concatenate[Store, P], R]:
    """The store's boundary: a sqlite error inside ``method`` becomes a StoreError."""

    @wraps(method)
    def wrapper(self: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise catalog_error(self.root / CATALOG, exc) from exc

    return wrapper


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path, wait_s: float) -> Iterator[None]:
    """flock on ``lock_path`` across processes, waiting up to ``wait_s``."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot lock store {lock_path.parent}: {exc}") from exc
    with os.fdopen(fd, "r+") as fh:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"store {lock_path.parent} is locked by another writer"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class DocumentRows:
    """What is written for one document: its chunks, their vectors and BM25 words."""

    doc: Document
    chunks: list[Chunk]
    embeddings: np.ndarray
    words: list[list[str]]


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
    source: SourceInfo = field(default_factory=SourceInfo)

    def rebuild(self, original: str) -> Document:
        """The cleaned document of this entry's ``original`` (pure: any thread may call it,
        while reading the original needs the store's own)."""
        from agent.ingest.cleaning import document_from_text

        return document_from_text(original, path=self.path, doc_id=self.doc_id,
                                  encoding=self.encoding, source=self.source)

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
            "format": self.source.format,
            "pages": len(self.source.pages) or None,
            "url": self.source.url,
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

    def metadata(self) -> dict[str, str | int]:
        """Chroma metadata, as :meth:`Chunk.metadata` writes it at ingest."""
        return chunk_metadata(self)


class Store:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = Path(settings.store)
        catalog = self.root / CATALOG
        try:
            private_dir(self.root)
            private_file(catalog)
            self.db = sqlite3.connect(catalog, timeout=60)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open store at {self.root}: {exc}") from exc
        try:
            with _exclusive_lock(self.root / OPEN_LOCK_FILE, 120.0):
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA foreign_keys=ON")
                catalog_migrations.apply(self.db)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise catalog_error(catalog, exc) from exc
        except StoreError:  # the open lock could not be taken
            self.db.close()
            raise
        self._client: Any = None
        self._collection: Any = None
        self._lexical: tuple[int, LexicalIndex] | None = None
        self._writing = False

    # ------------------------------------------------------------------ locking
    @contextlib.contextmanager
    def writing(self, wait_s: float = 600.0) -> Iterator[None]:
        """Exclusive writer lock across processes (a second ingest waits its turn). A write
        session starts from Chroma matched to the catalog, so an ingest where nothing
        changed still restores lost vectors."""
        with self._locked(wait_s):
            _ = self.collection
            yield

    @contextlib.contextmanager
    def _locked(self, wait_s: float = 600.0) -> Iterator[None]:
        """The writer lock alone, re-entrant within this Store."""
        if self._writing:
            yield
            return
        with _exclusive_lock(self.root / LOCK_FILE, wait_s):
            self._writing = True
            try:
                yield
            finally:
                self._writing = False

    # ------------------------------------------------------------------ chroma
    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._open_checked_collection()
        return self._collection

    @property
    def chroma_where(self) -> str:
        return self.settings.chroma_url or str(self.root / "chroma")

    def _open_checked_collection(self) -> None:
        """Open Chroma and restore vectors the catalog has and Chroma lacks; a local Chroma
        whose SQLite file is damaged is moved aside and rebuilt from the catalog."""
        reason = None
        try:
            self._collection = self._open_collection()
            present = self._vector_ids()
        except StoreError:
            self._release_chroma()
            chroma_dir = self.root / "chroma"
            if self.settings.chroma_url or not _sqlite_damaged(chroma_dir / "chroma.sqlite3"):
                raise
            with self._locked():
                aside = _move_aside(chroma_dir, chroma_dir.with_name("chroma.damaged"))
                self._collection = self._open_collection()
            reason, present = f"Chroma at {chroma_dir} was damaged (moved to {aside})", set()
        if reason or not self._catalog_chunk_ids() <= present:
            # Checked again under the lock: a writer between the two reads is no loss.
            self.reconcile(reason=reason)

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
                _forget_chroma_system(self.root / "chroma")
                private_dir(self.root / "chroma")  # it holds every chunk's text
                client = chromadb.PersistentClient(
                    path=str(self.root / "chroma"), settings=chroma_settings
                )
            ef: Any = (
                EndpointEmbeddingFunction(self.settings.embedding_model, self.settings.base_url)
                if self.settings.embedding == "openai"
                else USEEmbeddingFunction()
            )
            collection = client.get_or_create_collection(
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
            raise StoreError(f"cannot open Chroma at {self.chroma_where}: {exc}") from exc
        self._client = client
        return collection

    def _vector_ids(self) -> set[str]:
        try:
            return set(self.collection.get(include=[])["ids"])
        except Exception as exc:
            raise StoreError(f"cannot read Chroma at {self.chroma_where}: {exc}") from exc

    def _release_chroma(self) -> None:
        if self._client is not None and hasattr(self._client, "close"):
            self._client.close()
        self._client = self._collection = None

    # ------------------------------------------------------------------ reads
    @_guarded
    def generation(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    _DOCUMENT_COLUMNS = """d.doc_id, d.path, d.title, d.published, d.script, d.content_hash,
        d.encoding, d.chunk_params, d.mojibake, d.ingested_at,
        (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.doc_id), d.source"""

    @_guarded
    def documents(self) -> list[StoredDocument]:
        rows = self.db.execute(
            f"SELECT {self._DOCUMENT_COLUMNS} FROM documents d ORDER BY d.path"
        ).fetchall()
        return [self._doc_row(r) for r in rows]

    @_guarded
    def document(self, doc_id: str) -> StoredDocument | None:
        """One document by id (an index lookup: ingest asks once per file, so reading every
        row here made ingest quadratic — 47.8 chunks/s at 1k reports, 6.7 at 12k)."""
        row = self.db.execute(
            f"SELECT {self._DOCUMENT_COLUMNS} FROM documents d WHERE d.doc_id = ?", (doc_id,)
        ).fetchone()
        return self._doc_row(row) if row is not None else None

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
            source=SourceInfo.from_json(r[11]),
        )

    @_guarded
    def original(self, doc_id: str) -> str:
        row = self.db.execute("SELECT original FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            raise StoreError(f"document {doc_id} is not in the store")
        return str(row[0])

    def load_document(self, doc_id: str) -> Document:
        """Rebuild the full cleaned document from the stored original (cleaning is pure)."""
        stored = self.document(doc_id)
        if stored is None:
            raise StoreError(f"document {doc_id} is not in the store")
        return stored.rebuild(self.original(doc_id))

    @_guarded
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

    @_guarded
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
        self.replace_documents([DocumentRows(doc, chunks, embeddings, words)], chunk_params)

    def replace_documents(self, batch: Sequence[DocumentRows], chunk_params: str) -> None:
        """Write several documents at once: one Chroma upsert and one catalog transaction
        (a Chroma call costs ~50 ms however small: most of an ingest of short reports).
        Vectors first, then the catalog, then the vectors the catalog no longer names: a
        crash in between leaves only extra vectors, which ``reconcile`` drops."""
        chunks = [c for rows in batch for c in rows.chunks]
        if chunks:
            self.collection.upsert(
                ids=[c.chunk_id for c in chunks],
                embeddings=np.vstack([rows.embeddings for rows in batch if rows.chunks]),
                documents=[c.search_text for c in chunks],
                metadatas=[c.metadata() for c in chunks],
            )
        self._swap_rows(batch, chunk_params)
        # also vectors a killed run left for a document it never catalogued
        self._delete_stale_vectors(doc_ids=[rows.doc.doc_id for rows in batch])

    @_guarded
    def _swap_rows(self, batch: Sequence[DocumentRows], chunk_params: str) -> None:
        """Replace the catalog rows of ``batch`` in one transaction."""
        ids = [rows.doc.doc_id for rows in batch]
        marks = ",".join("?" * len(ids))
        with self.db:
            self.db.execute(f"DELETE FROM chunks WHERE doc_id IN ({marks})", ids)
            self.db.execute(f"DELETE FROM documents WHERE doc_id IN ({marks})", ids)
            self.db.executemany(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
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
                        doc.source.to_json(),
                    )
                    for doc in (rows.doc for rows in batch)
                ],
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
                    for rows in batch
                    for c, w in zip(rows.chunks, rows.words, strict=True)
                ],
            )
            self._bump_generation()

    def remove_documents(self, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        self._delete_rows(doc_ids)
        self._delete_stale_vectors(doc_ids=list(doc_ids))

    @_guarded
    def _delete_rows(self, doc_ids: Sequence[str]) -> None:
        with self.db:
            for doc_id in doc_ids:
                self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
                self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            self._bump_generation()

    def _bump_generation(self) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    @_guarded
    def _catalog_chunk_ids(self, doc_ids: Sequence[str] | None = None) -> set[str]:
        if doc_ids is None:
            rows = self.db.execute("SELECT chunk_id FROM chunks").fetchall()
        else:
            marks = ",".join("?" * len(doc_ids))
            rows = self.db.execute(
                f"SELECT chunk_id FROM chunks WHERE doc_id IN ({marks})", list(doc_ids)
            ).fetchall()
        return {r[0] for r in rows}

    def _delete_stale_vectors(self, doc_ids: Sequence[str] | None = None) -> int:
        """Delete the vectors the catalog has no chunk for (of ``doc_ids``, else all)."""
        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids else None
        present = self.collection.get(where=where, include=[])["ids"]
        keep = self._catalog_chunk_ids(doc_ids)
        stale = [i for i in present if i not in keep]
        if stale:
            self.collection.delete(ids=stale)
        return len(stale)

    def reconcile(self, reason: str | None = None) -> dict[str, int]:
        """Match Chroma to the catalog under the writer lock: drop vectors of chunks the
        catalog no longer has, re-embed the catalog's chunks that have none (one notice line
        on stderr, ``reason`` first, and a progress bar when that takes long)."""
        with self._locked():
            removed = self._delete_stale_vectors()
            catalog = self._catalog_chunk_ids()
            missing = sorted(catalog - self._vector_ids())
            if missing:
                reason = reason or (
                    f"Chroma at {self.chroma_where} lacks {len(missing)} of "
                    f"{len(catalog)} chunk vectors"
                )
                log.warning("%s: re-embedding %d chunks from the catalog", reason, len(missing))
                self._restore_vectors(missing)
        return {"removed_vectors": removed, "restored_vectors": len(missing)}

    def _restore_vectors(self, chunk_ids: list[str]) -> None:
        from agent.core import interrupt
        from agent.index.embeddings import embed_texts

        with _progress("re-embed", len(chunk_ids)) as advance:
            for i in range(0, len(chunk_ids), EMBED_BATCH):
                interrupt.check()
                rows = self.chunks(chunk_ids[i : i + EMBED_BATCH])
                self.collection.upsert(
                    ids=[r.chunk_id for r in rows],
                    embeddings=embed_texts([r.search_text for r in rows]),
                    documents=[r.search_text for r in rows],
                    metadatas=[r.metadata() for r in rows],
                )
                advance(len(rows))

    # ------------------------------------------------------------------ lexical
    def lexical(self) -> LexicalIndex:
        """The BM25 index of the current catalog generation: loaded when its files are
        sound and list the catalog's chunks, rebuilt from stored tokens otherwise (a
        damaged index with one notice line, a stale one silently)."""
        from agent.index.lexical import LexicalIndex

        generation = self.generation()
        if self._lexical is not None and self._lexical[0] == generation:
            return self._lexical[1]
        folder = self.root / "bm25"
        index, problem = self._load_lexical(folder, generation)
        if index is None:
            if problem:
                log.warning("BM25 index at %s is damaged (%s): rebuilt from the catalog",
                            folder, problem)
            ids, words = self._lexical_rows()
            index = LexicalIndex.build(ids, words)
            self._save_lexical(index, folder, generation)
        self._lexical = (generation, index)
        return index

    def _load_lexical(self, folder: Path, generation: int) -> tuple[LexicalIndex | None, str]:
        """The saved index, or None and why it cannot be used ("" when merely stale)."""
        from agent.index.lexical import LexicalIndex

        stamp = folder / "generation"
        try:
            if not stamp.is_file() or stamp.read_text().strip() != str(generation):
                return None, ""
            index = LexicalIndex.load(folder)
        except Exception as exc:  # any unreadable file of a derived index means: rebuild it
            return None, one_line(exc)
        if index is None:
            return None, f"{LexicalIndex.FILE_IDS} is missing"
        ids = index.chunk_ids
        if len(ids) != len(set(ids)) or set(ids) != self._catalog_chunk_ids():
            return None, "its chunk ids differ from the catalog's"
        return index, ""

    @_guarded
    def _lexical_rows(self) -> tuple[list[str], list[list[str]]]:
        rows = self.db.execute(
            "SELECT c.chunk_id, c.words FROM chunks c JOIN documents d USING(doc_id) "
            "ORDER BY d.path, c.idx"
        ).fetchall()
        return [r[0] for r in rows], [r[1].split() for r in rows]

    def _save_lexical(self, index: LexicalIndex, folder: Path, generation: int) -> None:
        """Write beside the old index, then replace it (a reader may be building too)."""
        tmp: Path | None = None
        try:
            tmp = Path(tempfile.mkdtemp(prefix=".bm25.", dir=self.root))
            index.save(tmp)
            (tmp / "generation").write_text(str(generation))
        except OSError as exc:  # e.g. a read-only store: queries use the index in memory
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            log.warning("cannot save the BM25 index in %s (%s)", self.root, exc)
            return
        shutil.rmtree(folder, ignore_errors=True)
        try:
            os.rename(tmp, folder)
        except OSError:  # another process put its index in place first; this one serves
            shutil.rmtree(tmp, ignore_errors=True)

    def close(self) -> None:
        self.db.close()
        self._release_chroma()


# ---------------------------------------------------------------------- rebuild


def catalog_problem(root: Path) -> str | None:
    """The first thing ``PRAGMA integrity_check`` finds wrong with the catalog under
    ``root``; None when it is sound or absent."""
    path = Path(root) / CATALOG
    if not path.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=60)) as db:
            rows = db.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    problems = [str(r[0]) for r in rows if r[0] != "ok"]
    return problems[0] if problems else None


def catalog_sources(root: Path) -> tuple[list[Path], bool]:
    """The source paths a (possibly damaged) catalog lists, as far as they can be read,
    and whether the whole list could be read."""
    paths: list[Path] = []
    try:
        with contextlib.closing(sqlite3.connect(Path(root) / CATALOG, timeout=60)) as db:
            for (path,) in db.execute("SELECT path FROM documents ORDER BY rowid"):
                paths.append(Path(path))
    except sqlite3.DatabaseError:
        return paths, False
    return paths, True


def rebuild_store(settings: Settings, build: Callable[[Store], R]) -> tuple[R, Path]:
    """Build a new store with ``build`` in a folder beside ``settings.store``, then swap it
    in. The old store is untouched until the new one is complete, and kept afterwards:
    returns ``build``'s result and where the old store now is."""
    root = Path(settings.store).absolute()
    with _exclusive_lock(root / LOCK_FILE, 600.0):  # no writer changes the old store meanwhile
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.rebuild-", dir=root.parent))
        except OSError as exc:
            raise StoreError(f"cannot create a folder beside {root}: {exc}") from exc
        try:
            new = Store(settings.model_copy(update={"store": tmp}))
            try:
                result = build(new)
            finally:
                new.close()
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        aside = _free_name(root, "damaged-" + time.strftime("%Y%m%d-%H%M%S"))
        try:
            shutil.copymode(root, tmp)  # the folder keeps the permissions it had
            swap_in_dir(tmp, root, aside)
        except OSError as exc:
            raise StoreError(f"cannot put the rebuilt store {tmp} in place of {root}: {exc}"
                             ) from exc
    return result, aside


def _free_name(path: Path, tag: str) -> Path:
    candidate, n = path.with_name(f"{path.name}.{tag}"), 1
    while candidate.exists():
        candidate, n = path.with_name(f"{path.name}.{tag}-{n}"), n + 1
    return candidate


# ---------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """``advance(n)`` for a bar on a terminal's stderr, shown only for long runs."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), console=console,
                  disable=total < PROGRESS_FROM or not console.is_terminal) as progress:
        task = progress.add_task("", total=total)
        yield lambda n: progress.update(task, advance=n)


def _sqlite_damaged(path: Path) -> bool:
    """True when ``path`` exists and fails SQLite's quick check (a locked or unreadable
    file is not called damaged)."""
    if not path.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
            return bool(db.execute("PRAGMA quick_check").fetchone()[0] != "ok")
    except sqlite3.DatabaseError as exc:
        return any(word in str(exc).lower() for word in _DAMAGE)


def _move_aside(path: Path, aside: Path) -> Path:
    try:
        shutil.rmtree(aside, ignore_errors=True)
        path.rename(aside)
    except OSError as exc:
        raise StoreError(f"cannot move the damaged {path} aside: {exc}") from exc
    _forget_chroma_system(path)
    return aside


def _forget_chroma_system(path: Path) -> None:
    """Drop the Chroma system this process cached for ``path`` once its database file is
    gone (deleted, or moved aside after a failed open): chromadb keeps one system per path
    and would hand the stale one out again."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient
    except ImportError:  # another chromadb layout: nothing cached that we know of
        return
    systems: dict[str, Any] = getattr(SharedSystemClient, "_identifier_to_system", {})
    if str(path) in systems and not (path / "chroma.sqlite3").is_file():
        systems.pop(str(path), None)
