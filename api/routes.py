"""Citewise's own endpoints: search with every stage's scores, the documents folder, sync and the index's status."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import BaseModel, Field

from api.errors import APIError, ErrorBody
from assistant import Citewise, QuestionError, RetrievalMode, UnknownDocumentsError
from index import (
    DocumentsFolderError,
    IndexBusyError,
    IndexDamagedError,
    IndexWriteError,
    SyncReport,
    UnsafeSyncError,
    UploadError,
)


class SearchRequest(BaseModel):
    """A retrieval query, as the retrieval inspector runs it."""

    query: str = Field(description="What to search for (held to the question length limit).")
    top_k: int = Field(10, ge=1, le=100, description="How many ranked passages to return.")
    sources: list[str] = Field(default_factory=list, description="Search only these documents (empty: all).")
    mode: RetrievalMode | None = Field(None, description="hybrid (BM25 + dense, fused), dense or keyword; default: configured.")
    rerank: bool | None = Field(None, description="Rerank with the cross-encoder; default: configured.")


class StageScores(BaseModel):
    """Each retrieval stage's score of a passage; null where the stage did not run or did not find it."""

    bm25: float | None = None
    dense: float | None = None
    fused: float | None = None
    rerank: float | None = None


class RankedPassage(BaseModel):
    """One retrieved passage, ranked."""

    rank: int
    source: str
    title: str
    section: str
    page: int | None
    text: str
    score: float = Field(description="The score the relevance cut-off uses: rerank, else dense cosine, else fused.")
    relevant: bool = Field(description="Whether it passed the relevance cut-off (only relevant passages are cited).")
    scores: StageScores


class SearchResult(BaseModel):
    """The ranked passages of a query (the ``search --json`` shape), with per-stage timings in seconds."""

    query: str
    results: list[RankedPassage]
    timings: dict[str, float]


class DocumentEntry(BaseModel):
    """A document of the folder and its state in the index."""

    source: str = Field(description="Its name, relative to the documents folder: what DELETE and `sources` take.")
    title: str
    chunks: int
    pages: int
    status: Literal["indexed", "incomplete", "failed"] = Field(description="incomplete: the next sync repairs it.")
    detail: str = Field(description="Why a failed document was skipped.")


class DocumentList(BaseModel):
    """Every document, failed ones included, by name."""

    object: Literal["list"] = "list"
    data: list[DocumentEntry]


class FileProblem(BaseModel):
    """A file a sync skipped or warned about."""

    path: str
    error: str


class SyncSummary(BaseModel):
    """What a sync changed (``python -m index sync --json``)."""

    added: int
    updated: int
    unchanged: int
    deleted: int
    failed: list[FileProblem]
    warnings: list[FileProblem]
    skipped: list[FileProblem] = Field(
        default_factory=list, description="Files of types the index does not read (stylesheets, images): no failure."
    )
    chunks: int = Field(description="Chunks in the index afterwards.")
    embedded: int = Field(description="Chunks embedded by this sync.")
    seconds: float
    dry_run: bool


class Uploaded(BaseModel):
    """Where an upload was saved and, unless ``sync=false``, what indexing it changed."""

    name: str = Field(description="Its name in the documents folder (safe; numbered when the name was taken).")
    original: str = Field(description="The name it was uploaded under.")
    replaced: bool = Field(description="It replaced the document of the same name (replace=true).")
    renamed: bool = Field(description="Another document kept the name; this one got a numbered one.")
    sync: SyncSummary | None = Field(description="The sync that indexed it; null with sync=false.")


class Deleted(BaseModel):
    """A document removed from the folder and from the index."""

    source: str
    deleted: Literal[True] = True


class IndexState(BaseModel):
    """What the index holds (``python -m index status --json``)."""

    documents: int
    chunks: int
    embedding_model: str | None
    chunk_tokens: int | None
    last_sync: str | None = Field(description="ISO time of the last sync that wrote; null before the first.")


_REFUSALS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (400, 404, 409, 413, 503)}


def citewise_router(citewise: Citewise) -> APIRouter:
    """Search, documents, sync and status over ``citewise``; every endpoint runs in a worker thread."""
    router = APIRouter(tags=["Citewise"], responses=_REFUSALS)

    @router.post("/search", response_model=SearchResult, summary="Ranked passages with every stage's scores")
    def search(body: SearchRequest) -> dict[str, Any]:
        """The passages a question would be answered from, best first, and which passed the relevance cut-off."""
        choices = citewise.choices()
        if body.rerank and not choices.has_reranker:
            raise APIError(400, "No reranker is loaded (CITEWISE_RERANKER=none): leave rerank unset or false.", param="rerank")
        options = replace(
            choices.search,
            mode=body.mode or choices.search.mode,
            rerank=choices.search.rerank if body.rerank is None else body.rerank,
        )
        try:
            retrieval = citewise.search(body.query, sources=body.sources, options=options)
        except UnknownDocumentsError as error:
            raise APIError(400, str(error), code="unknown_document", param="sources") from error
        except QuestionError as error:
            raise APIError(400, str(error), code="invalid_question", param="query") from error
        return retrieval.to_json(body.top_k)

    @router.get("/documents", response_model=DocumentList, summary="List the documents")
    def documents() -> DocumentList:
        """Every document of the folder with its chunk and page counts and its state, by name."""
        return DocumentList(
            data=[
                DocumentEntry(
                    source=d.source, title=d.title, chunks=d.chunks, pages=d.pages, status=d.status.kind, detail=d.status.detail
                )
                for d in citewise.documents()
            ]
        )

    @router.post("/documents", response_model=Uploaded, status_code=201, summary="Upload a document")
    def upload(
        file: UploadFile = File(description="The document: .txt, .md, .rst, .html, .pdf or .docx."),
        replace: bool = Query(False, description="Replace the document of the same name instead of numbering this one."),
        sync: bool = Query(True, description="Index it now (default); false: only save it, and POST /v1/sync after a batch."),
    ) -> Uploaded:
        """Save an upload into the documents folder under a safe name (the chat's checks) and, by default, index it.

        A name already taken (ignoring case) gets the next free one, ``report (2).pdf``, unless
        ``replace``. Files over the upload limit or of other types are refused with a 400.
        """
        if not file.filename:
            raise APIError(400, "The upload has no file name.", param="file")
        try:
            with _spooled(file) as path:
                saved = citewise.save_upload(file.filename, path, replace=replace)
        except DocumentsFolderError as error:  # the server's disk, not the request: 503
            raise APIError(503, str(error), code="documents_write_failed") from error
        except UploadError as error:
            raise APIError(400, str(error), code="upload_refused", param="file") from error
        report = _sync(citewise, done=f"{saved.name} was saved, but ") if sync else None
        return Uploaded(
            name=saved.name,
            original=saved.original,
            replaced=saved.replaced,
            renamed=saved.renamed,
            sync=SyncSummary(**report.summary()) if report else None,
        )

    @router.delete("/documents/{source:path}", response_model=Deleted, summary="Delete a document")
    def delete(source: str) -> Deleted:
        """Remove a document from the folder and from the index at once (no sync needed). Paths are refused."""
        check_name(source)
        try:
            deleted = citewise.delete_document(source)
        except DocumentsFolderError as error:
            raise APIError(503, str(error), code="documents_write_failed") from error
        except UploadError as error:
            raise APIError(400, str(error), param="source") from error
        except IndexBusyError as error:
            raise APIError(503, str(error), code="index_busy") from error
        except IndexWriteError as error:
            raise APIError(503, str(error), code="index_write_failed") from error
        except IndexDamagedError as error:
            raise APIError(503, str(error), code="index_damaged") from error
        if not deleted:
            raise APIError(
                404, f"No document named {source!r}; GET /v1/documents lists them.", code="document_not_found", param="source"
            )
        return Deleted(source=source)

    @router.post("/sync", response_model=SyncSummary, summary="Re-index the documents folder")
    def sync(
        allow_delete: bool = Query(False, description="Confirm a sync that deletes all or most indexed documents."),
    ) -> dict[str, Any]:
        """Index new and changed files, drop deleted ones; unchanged files cost a hash. One sync runs at a time."""
        return _sync(citewise, allow_delete=allow_delete).summary()

    @router.get("/status", response_model=IndexState, summary="The index's state")
    def status() -> dict[str, Any]:
        """How many documents and chunks the index holds, what built it, and when it last synced."""
        return citewise.status().to_json()

    return router


def check_name(source: str) -> None:
    """Refuse anything but a name inside the documents folder: absolute paths, ``..``, backslashes, NUL."""
    parts = source.split("/")
    if not source or "\\" in source or "\0" in source or any(part in ("", ".", "..") for part in parts):
        raise APIError(
            400,
            f"{source!r} is not a document name: paths (absolute, '..', '.') are refused; use a name GET /v1/documents lists.",
            code="invalid_document_name",
            param="source",
        )


def _sync(citewise: Citewise, *, allow_delete: bool = False, done: str = "") -> SyncReport:
    try:
        return citewise.sync(allow_mass_delete=allow_delete)
    except UnsafeSyncError as error:
        raise APIError(409, f"{done}{error} (over the API: POST /v1/sync?allow_delete=true)", code="unsafe_sync") from error
    except IndexBusyError as error:
        raise APIError(503, f"{done}{error}", code="index_busy") from error
    except IndexWriteError as error:
        raise APIError(503, f"{done}{error}", code="index_write_failed") from error
    except IndexDamagedError as error:
        raise APIError(503, f"{done}{error}", code="index_damaged") from error


@contextmanager
def _spooled(file: UploadFile) -> Iterator[Path]:
    """The upload as a file on disk, removed afterwards (``save_upload`` copies from a path)."""
    with tempfile.TemporaryDirectory(prefix="citewise-upload-") as folder:
        path = Path(folder) / "upload"
        with path.open("wb") as target:
            shutil.copyfileobj(file.file, target)
        yield path
