"""Gold evaluation data: pydantic models, loading, validation and document lookup.

Gold files live in ``evals/gold/`` (``extraction.yaml`` / ``extraction.jsonl`` and
``qa.yaml`` / ``qa.jsonl``); the formats are documented in ``evals/README.md``.
Documents are referred to by file name (``000_85e36437b5c9e5fe.txt``) relative to a
corpus directory (``seeds/`` for the bundled gold).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from agent.core.errors import InputError
from agent.extract.schemas import AllianceKind
from agent.text.dates import parse_iso

#: A name, or a list of alternative surface forms of the same name.
NameAlternatives = str | list[str]
#: A key fact, or a list of alternatives of which one suffices.
KeyFact = str | list[str]


class GoldError(InputError):
    """A gold file is missing, malformed or inconsistent with the corpus."""


def _partial_iso(value: str | None) -> str | None:
    if value is not None and parse_iso(value) is None:
        raise ValueError(f"not an ISO / partial date: {value!r}")
    return value


#: ``2023-06-12``, ``2023-06``, ``2023``, ``--11-10`` (year unknown) or None.
PartialISODate = Annotated[str | None, AfterValidator(_partial_iso)]


class _Gold(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldEvent(_Gold):
    name: str
    aliases: list[str] = Field(default_factory=list)
    event_type: str
    date: PartialISODate = None
    date_inferred: bool = Field(
        default=False, description="the year is not in the text: taken from the publication date"
    )
    date_text: str | None = None
    document: str | None = Field(default=None, description="发布文件: the title, without 《》")
    location: str | None = None
    organizers: list[NameAlternatives] = Field(default_factory=list)
    hosts: list[NameAlternatives] = Field(default_factory=list)
    evidence: list[str] = Field(min_length=1)
    minor: bool = False
    note: str | None = None


class GoldAlliance(_Gold):
    name: str
    aliases: list[str] = Field(default_factory=list)
    kind: AllianceKind
    lead: str | None = None
    lead_aliases: list[str] = Field(default_factory=list)
    co_leads: list[NameAlternatives] = Field(default_factory=list)
    members: list[NameAlternatives] = Field(default_factory=list)
    founded: PartialISODate = None
    founded_inferred: bool = False
    evidence: list[str] = Field(min_length=1)
    minor: bool = False
    note: str | None = None


class GoldTarget(_Gold):
    description: str
    metric: str | None = Field(default=None, description="the thing counted, a noun phrase")
    value: float
    unit: str | None = Field(
        default=None, description="CNY, 人, 人次, or a counter char: 所/家/个…"
    )
    unit_implicit: bool = Field(
        default=False, description="unit not written in the text; a prediction without unit is ok"
    )
    qualifier: str | None = None
    amount_text: str
    deadline_year: int | None = None
    baseline: float | None = None
    status: Literal["goal", "reported"] = "reported"
    evidence: list[str] = Field(min_length=1)
    minor: bool = False
    note: str | None = None


class GoldDocument(_Gold):
    file: str
    script: Literal["simplified", "traditional", "mixed"]
    title: str = ""
    published: PartialISODate = None
    relevant: bool = Field(
        default=True, description="false: the topic is mentioned only in passing (no items)"
    )
    notes: str | None = None
    events: list[GoldEvent] = Field(default_factory=list)
    alliances: list[GoldAlliance] = Field(default_factory=list)
    targets: list[GoldTarget] = Field(default_factory=list)

    @property
    def item_count(self) -> int:
        return len(self.events) + len(self.alliances) + len(self.targets)


class ExtractionGold(_Gold):
    version: int = 1
    documents: list[GoldDocument]

    @model_validator(mode="after")
    def _unique_files(self) -> ExtractionGold:
        files = [d.file for d in self.documents]
        if len(files) != len(set(files)):
            raise ValueError("duplicate document file names in extraction gold")
        return self

    @property
    def item_count(self) -> int:
        return sum(d.item_count for d in self.documents)

    def document(self, file: str) -> GoldDocument:
        for doc in self.documents:
            if doc.file == file:
                return doc
        raise KeyError(file)


QuestionKind = Literal[
    "person", "organisation", "place", "date", "number", "list", "reason", "role", "other"
]


class QAItem(_Gold):
    id: str
    question: str
    script: Literal["simplified", "traditional"]
    answer: str
    key_facts: list[KeyFact] = Field(default_factory=list)
    documents: list[str] = Field(default_factory=list)
    answerable: bool
    kind: QuestionKind | None = Field(default=None, description="what the question asks for")
    trap: Literal["absent", "other_year", "other_entity"] | None = Field(
        default=None, description="unanswerable: why a careless answer would be wrong"
    )
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> QAItem:
        if self.answerable and (not self.key_facts or not self.documents):
            raise ValueError(f"{self.id}: answerable items need key_facts and documents")
        if not self.answerable and (self.key_facts or self.documents):
            raise ValueError(f"{self.id}: unanswerable items take no key_facts/documents")
        for fact in self.key_facts:
            if isinstance(fact, list) and not fact:
                raise ValueError(f"{self.id}: empty alternative list in key_facts")
        return self


class QAGold(_Gold):
    version: int = 1
    items: list[QAItem]

    @model_validator(mode="after")
    def _unique_ids(self) -> QAGold:
        ids = [i.id for i in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate QA ids")
        return self

    @property
    def answerable(self) -> list[QAItem]:
        return [i for i in self.items if i.answerable]

    @property
    def unanswerable(self) -> list[QAItem]:
        return [i for i in self.items if not i.answerable]


# --------------------------------------------------------------------------- loading


def _read_data(path: Path, list_key: str) -> dict[str, Any]:
    """Read YAML (``.yaml``/``.yml``), JSON (``.json``) or JSON Lines (``.jsonl``).

    A ``.jsonl`` file holds one record of ``list_key`` per line (no header).
    """
    if not path.is_file():
        raise GoldError(f"gold file not found: {path}")
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        try:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise GoldError(f"cannot parse {path}: {exc}") from exc
        return {list_key: rows}
    if suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise GoldError(f"cannot parse {path}: {exc}") from exc
    elif suffix in {".yaml", ".yml"}:
        import yaml  # pyyaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise GoldError(f"cannot parse {path}: {exc}") from exc
    else:
        raise GoldError(f"unsupported gold file type: {path}")
    if not isinstance(data, dict):
        raise GoldError(f"{path}: top level must be a mapping")
    return data


def load_extraction_gold(path: str | Path) -> ExtractionGold:
    data = _read_data(Path(path), "documents")
    try:
        return ExtractionGold.model_validate(data)
    except ValidationError as exc:
        raise GoldError(f"{path}: {exc}") from exc


def load_qa_gold(path: str | Path) -> QAGold:
    data = _read_data(Path(path), "items")
    try:
        return QAGold.model_validate(data)
    except ValidationError as exc:
        raise GoldError(f"{path}: {exc}") from exc


# --------------------------------------------------------------------------- corpus


def resolve_document(corpus_dir: str | Path, file: str) -> Path:
    """Path of gold document ``file`` inside ``corpus_dir`` (no escaping the directory)."""
    root = Path(corpus_dir).resolve()
    path = (root / file).resolve()
    if root not in path.parents:
        raise GoldError(f"{file!r} is outside the corpus directory {root}")
    if not path.is_file():
        raise GoldError(f"gold document {file!r} not found in {root}")
    return path


def read_document(corpus_dir: str | Path, file: str) -> str:
    """Original text of a gold document (UTF-8, exactly as on disk)."""
    return resolve_document(corpus_dir, file).read_text(encoding="utf-8")


def load_corpus(corpus_dir: str | Path, files: list[str]) -> dict[str, str]:
    """``file -> original text`` for the given gold file names."""
    return {f: read_document(corpus_dir, f) for f in files}


def check_extraction_evidence(gold: ExtractionGold, corpus_dir: str | Path) -> list[str]:
    """Problems with gold quotes: every ``evidence`` quote and ``amount_text`` must be an
    exact substring of its document. Returns human-readable problems (empty when fine)."""
    problems: list[str] = []
    for doc in gold.documents:
        try:
            text = read_document(corpus_dir, doc.file)
        except GoldError as exc:
            problems.append(str(exc))
            continue
        items: list[GoldEvent | GoldAlliance | GoldTarget] = [
            *doc.events,
            *doc.alliances,
            *doc.targets,
        ]
        for item in items:
            label = getattr(item, "name", None) or getattr(item, "description", "")
            for quote in item.evidence:
                if not quote or quote not in text:
                    problems.append(f"{doc.file}: {label}: quote not in document: {quote!r}")
            if isinstance(item, GoldTarget) and item.amount_text not in text:
                problems.append(f"{doc.file}: {label}: amount_text not in document")
    return problems


def check_qa_documents(gold: QAGold, corpus_dir: str | Path) -> list[str]:
    """Problems with QA supporting documents (each must resolve in the corpus)."""
    problems: list[str] = []
    for item in gold.items:
        for file in item.documents:
            try:
                resolve_document(corpus_dir, file)
            except GoldError as exc:
                problems.append(f"{item.id}: {exc}")
    return problems
