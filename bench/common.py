"""What every benchmark script shares: environment, paths, timing, statistics, settings, questions and Markdown reports."""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

# The environment `make` exports, set before any script imports a model library, so the scripts measure what `make run` runs.
MAKE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error", "ANONYMIZED_TELEMETRY": "False"}
for _name, _value in MAKE_ENV.items():
    os.environ.setdefault(_name, _value)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"  # git-ignored
CACHE = BENCH / ".cache"  # git-ignored: corpora and indexes built once
DATA = BENCH / "data"
SEEDS = REPO / "seeds"
PYTHON = REPO / ".venv" / "bin" / "python"
PYDOCS = Path("/usr/share/doc/python3.11/html/_sources")  # Debian's python3.11-doc

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

if TYPE_CHECKING:
    from assistant import Settings


# --------------------------------------------------------------------------- progress and timing


def say(message: str) -> None:
    """Progress to stderr, so stdout carries only the report."""
    print(message, file=sys.stderr, flush=True)


@dataclass
class Timed:
    """Wall seconds and this process's CPU seconds (all threads; steadier than wall time on a shared machine)."""

    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def stopwatch() -> Iterator[Timed]:
    """``with stopwatch() as took:`` leaves the elapsed times in ``took.wall`` and ``took.cpu``."""
    took = Timed()
    began, cpu = time.perf_counter(), time.process_time()
    try:
        yield took
    finally:
        took.wall, took.cpu = time.perf_counter() - began, time.process_time() - cpu


@contextmanager
def work_folder(prefix: str, keep: bool) -> Iterator[Path]:
    """A fresh temporary folder, removed afterwards unless ``keep`` (then its path is reported)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        if keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def wall_times(function: Callable[[], object], reps: int) -> list[float]:
    """Wall seconds of ``reps`` calls of ``function``."""
    times = []
    for _ in range(reps):
        with stopwatch() as took:
            function()
        times.append(took.wall)
    return times


class Profile:
    """Seconds spent in chosen methods, summed, by wrapping them on their classes while active.

    Example:
        >>> with Profile({"encode": (Embedder, "encode")}) as profile:
        ...     indexer.sync(docs)
        >>> profile.seconds["encode"]
    """

    def __init__(self, targets: dict[str, tuple[type, str]]) -> None:
        self.targets = targets
        self.seconds: dict[str, float] = dict.fromkeys(targets, 0.0)
        self.calls: dict[str, int] = dict.fromkeys(targets, 0)
        self._saved: list[tuple[type, str, Any]] = []

    def __enter__(self) -> Profile:
        for label, (owner, name) in self.targets.items():
            original = owner.__dict__[name]
            self._saved.append((owner, name, original))
            setattr(owner, name, self._wrap(label, original))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()

    def _wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - began
                self.calls[label] += 1

        return timed


# --------------------------------------------------------------------------- statistics


def median(values: Sequence[float]) -> float:
    """The median, or NaN when there is nothing to take it of."""
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated linearly between order statistics (numpy's default).

    The one definition every table uses: of 10 values, p95 lies between the 9th and the 10th.
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_cells(seconds: Sequence[float]) -> list[str]:
    """A latency table's two cells: the median and the 95th percentile, in whole milliseconds."""
    return [f"{median(seconds) * 1000:.0f}", f"{percentile(seconds, 95) * 1000:.0f}"]


def spread(values: Sequence[float], unit: str = "s", digits: int = 2) -> str:
    """``median (min-max, n=N)`` for a table cell."""
    if not values:
        return "n/a"
    return f"{median(values):.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f}, n={len(values)})"


# --------------------------------------------------------------------------- settings and questions


def settings_for(data_dir: Path, docs_dir: Path | None = None, **overrides: Any) -> Settings:
    """The app's settings (CITEWISE_* variables apply) over ``data_dir``, embedded Chroma; no docs_dir: an empty folder."""
    from assistant import Settings

    if docs_dir is None:
        docs_dir = data_dir / "docs"
        docs_dir.mkdir(parents=True, exist_ok=True)
    return Settings(data_dir=data_dir, docs_dir=docs_dir, **{"chroma_url": "", **overrides})


def read_jsonl(name: str) -> list[dict[str, Any]]:
    """The rows of ``bench/data/<name>``: every question set the scripts ask comes from there."""
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines() if line.strip()]


def file_stem(title: str, taken: set[str], fallback: str) -> str:
    """A file name for ``title`` that no earlier one in ``taken`` has (added to it): lower-case letters and digits
    joined by hyphens, at most 60 characters, a hyphen more for each clash ("aa-river", "aardvark", "aardvark-")."""
    name = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or fallback
    while name in taken:
        name += "-"
    taken.add(name)
    return name


class Answerable(Protocol):
    @property
    def answerable(self) -> bool: ...


Q = TypeVar("Q", bound=Answerable)


def subsample(questions: Sequence[Q], limit: int | None) -> list[Q]:
    """A fixed, seeded sample of ``limit`` questions keeping the answerable/unanswerable mix; order kept."""
    if not limit or limit >= len(questions):
        return list(questions)
    rng = random.Random(0)
    groups = [[i for i, q in enumerate(questions) if q.answerable], [i for i, q in enumerate(questions) if not q.answerable]]
    take = [round(limit * len(g) / len(questions)) for g in groups]
    if groups[1] and not take[1] and limit > 1:
        take = [limit - 1, 1]
    take[0] = limit - take[1]
    chosen = sorted(i for group, n in zip(groups, take, strict=True) for i in rng.sample(group, min(n, len(group))))
    return [questions[i] for i in chosen]


def pydocs_files(salt: bytes = b"") -> list[Path]:
    """The Python documentation's reST sources in a fixed pseudo-random order (SHA-256 of ``salt`` + relative path)."""
    if not PYDOCS.is_dir():
        raise SystemExit(f"{PYDOCS} not found: install Debian's python3.11-doc")
    return sorted(
        PYDOCS.rglob("*.rst.txt"), key=lambda p: hashlib.sha256(salt + p.relative_to(PYDOCS).as_posix().encode()).digest()
    )


def chroma_client(path: Path) -> Any:
    """An embedded Chroma at ``path``, telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def llama_index_baseline(
    docs_dir: Path,
    chroma_dir: Path,
    embedder: Any,
    *,
    chunk_size: int | None = None,
    exclude_hidden: bool = True,
    show_progress: bool = False,
) -> tuple[Any, Any, Timed]:
    """Plain llama-index over the .txt files of ``docs_dir``: SimpleDirectoryReader, its default SentenceSplitter, from_documents.

    The only non-default is ``embedder``, passed explicitly; ``chunk_size`` gives the SentenceSplitter that size (tiktoken
    tokens) instead of 1024. Stores into a fresh collection "baseline" at ``chroma_dir``. Returns the index, the
    collection, and the times from reading the files to the vectors stored.
    """
    import gc

    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    client = chroma_client(chroma_dir)
    if "baseline" in {c.name for c in client.list_collections()}:
        client.delete_collection("baseline")
    collection = client.create_collection("baseline", embedding_function=None)
    store = ChromaVectorStore(chroma_collection=collection)
    transformations: list[Any] | None = [SentenceSplitter(chunk_size=chunk_size, chunk_overlap=20)] if chunk_size else None
    gc.collect()
    with stopwatch() as took:
        reader = SimpleDirectoryReader(str(docs_dir), recursive=True, exclude_hidden=exclude_hidden, required_exts=[".txt"])
        storage = StorageContext.from_defaults(vector_store=store)
        index = VectorStoreIndex.from_documents(
            reader.load_data(),
            storage_context=storage,
            embed_model=embedder,
            transformations=transformations,
            show_progress=show_progress,
        )
    return index, collection, took


# --------------------------------------------------------------------------- reports


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], text: Sequence[int] | None = None) -> str:
    """A GitHub-flavoured Markdown table; given ``text``, those columns are left-aligned and the rest right-aligned."""
    left = range(len(headers)) if text is None else {i % len(headers) for i in text}
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" if i in left else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages."""
    return " / ".join(f"{load:.1f}" for load in os.getloadavg())


def cpu_model() -> str:
    """The CPU's model name and whether it has VNNI. onnxruntime picks its int8 kernels by the CPU's instruction set,
    so the int8 cross-encoder scores a pair a little differently from one CPU to another (by up to about 0.1 seen
    here), enough to move an answer that sits at the bar: a results file says which CPU it came from."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return f"{platform.processor() or 'CPU unknown'} (VNNI unknown)"
    names = re.findall(r"^model name\s*:\s*(.+)$", info, re.M)
    vnni = re.search(r"\b(?:avx512_vnni|avx_vnni)\b", info) is not None
    return f"{names[0].strip() if names else 'CPU unknown'} ({'VNNI' if vnni else 'no VNNI'})"


def machine_line() -> str:
    """CPU, load and library versions, so a reader can judge how noisy the numbers are."""
    import torch

    return (
        f"{platform.node()}: {os.cpu_count()} CPUs ({cpu_model()}), torch {torch.__version__} with "
        f"{torch.get_num_threads()} threads, "
        f"Python {platform.python_version()}; load average at start {load_average()}; "
        f"{datetime.now().isoformat(timespec='seconds')}"
    )


def write_result(name: str, text: str) -> Path:
    """Write ``text`` to bench/results/``name`` and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(text + "\n", encoding="utf-8")
    return path


def publish(name: str, lines: list[str]) -> None:
    """Print a report's ``lines``, write them to bench/results/``name`` and say where."""
    text = "\n".join(lines)
    print(text)
    say(f"wrote {write_result(name, text)}")
