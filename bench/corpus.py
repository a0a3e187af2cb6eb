"""Evaluation corpora: the seeds question set, and a Python-FAQ set built from Debian's Python docs.

The FAQ set is derived at run time from ``/usr/share/doc/python3.11/html/_sources`` (the
``python3.11-doc`` package): every FAQ section whose heading is a question becomes a query,
and its gold answer is that section's body. The whole documentation is indexed, but from a
cleaned copy in which those question headings are removed, so a query can never be answered
by matching its own heading.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CACHE = BENCH / ".cache"
SEEDS_DIR = REPO / "seeds"
SEEDS_QA = BENCH / "data" / "seeds_qa.jsonl"
PYDOCS = Path("/usr/share/doc/python3.11/html/_sources")
# Bump when the cleaning rules change, so cached corpora and indexes are rebuilt.
CORPUS_VERSION = "faq-v1"

# A reStructuredText section adornment: one punctuation character repeated, nothing else.
_ADORNMENT = re.compile(r"""^([!-/:-@\[-`{-~])\1+\s*$""")
_ROLE = re.compile(r":[\w:.-]+:`([^`]*)`")
_LITERAL = re.compile(r"``([^`]*)``")
_WS = re.compile(r"\s+")


@dataclass
class Question:
    """One evaluation question with its gold evidence.

    ``answers`` are gold answer strings (seeds); ``span`` is the gold section's [start, end)
    character range in ``sources[0]`` (FAQ). Both empty means the question is unanswerable.
    """

    question: str
    answers: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    span: tuple[int, int] | None = None
    section: str = ""  # the FAQ heading, verbatim

    @property
    def answerable(self) -> bool:
        return bool(self.answers or self.span)


@dataclass
class Dataset:
    """A question set and the folder of documents it is asked against."""

    name: str
    docs_dir: Path
    questions: list[Question]
    notes: list[str] = field(default_factory=list)

    def texts(self) -> dict[str, str]:
        """Every document's text by source name (path relative to ``docs_dir``), as the loader reads it."""
        return {
            path.relative_to(self.docs_dir).as_posix(): path.read_text("utf-8-sig").replace("\r\n", "\n")
            for path in sorted(self.docs_dir.rglob("*"))
            if path.is_file() and not path.name.startswith(".")
        }

    def fingerprint(self) -> str:
        """A hash of every document's name and bytes: the key for cached indexes."""
        return tree_hash(self.docs_dir)


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def normalise(text: str) -> str:
    """Lower-cased with runs of whitespace collapsed, for answer-string matching."""
    return _WS.sub(" ", text).strip().lower()


# --------------------------------------------------------------------------- seeds


def load_seeds(path: Path = SEEDS_QA, docs_dir: Path = SEEDS_DIR) -> Dataset:
    """The hand-written seeds questions; every gold answer string must appear in a gold source."""
    questions = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        questions.append(Question(row["question"], list(row["answers"]), list(row["sources"])))
        if bool(row["answers"]) != bool(row["sources"]):
            raise ValueError(f"{path}:{number}: answers and sources must both be set or both be empty")
    dataset = Dataset("seeds", docs_dir, questions)
    problems = verify_seeds(dataset)
    if problems:
        raise ValueError("seeds question set is inconsistent with the documents:\n" + "\n".join(problems))
    return dataset


def verify_seeds(dataset: Dataset) -> list[str]:
    """Gold answers that do not appear literally in every gold source, and unknown sources."""
    texts = dataset.texts()
    problems = []
    for q in dataset.questions:
        for source in q.sources:
            if source not in texts:
                problems.append(f"{q.question!r}: unknown source {source}")
                continue
            missing = [a for a in q.answers if a not in texts[source]]
            if missing and len(missing) == len(q.answers):
                problems.append(f"{q.question!r}: no gold answer appears in {source}: {missing}")
        # Each answer string must be found in at least one gold source.
        for answer in q.answers:
            if not any(answer in texts.get(s, "") for s in q.sources):
                problems.append(f"{q.question!r}: answer {answer!r} is in no gold source")
    return problems


# --------------------------------------------------------------------------- Python FAQ


@dataclass
class Heading:
    """A section heading: its title and the [first, last) line range of title plus adornments."""

    title: str
    first: int
    last: int


def headings(lines: list[str]) -> list[Heading]:
    """Section headings of a reST document: a title line underlined (and maybe overlined) by punctuation."""
    found = []
    i = 0
    while i + 1 < len(lines):
        title, under = lines[i], lines[i + 1]
        if (
            title.strip()
            and not title[0].isspace()
            and not _ADORNMENT.match(title)
            and _ADORNMENT.match(under)
            and len(under.rstrip()) >= len(title.rstrip())
        ):
            first = i
            if i > 0 and _ADORNMENT.match(lines[i - 1]) and lines[i - 1].rstrip() == under.rstrip():
                first = i - 1
            found.append(Heading(title.strip(), first, i + 2))
            i += 2
        else:
            i += 1
    return found


def plain_question(title: str) -> str:
    """A heading as a user would type it: reST roles and literals reduced to their text."""
    text = _ROLE.sub(lambda m: m.group(1).lstrip("~!"), title)
    text = _LITERAL.sub(r"\1", text)
    return _WS.sub(" ", text).strip()


def clean_faq(text: str) -> tuple[str, list[tuple[str, int, int]]]:
    """Remove every question heading from one FAQ page.

    Returns the cleaned text and, per question, (heading, body start, body end): offsets of the
    section body (up to the next heading of any level) in the cleaned text, trimmed of blank space.
    """
    lines = text.split("\n")
    marks = headings(lines)
    drop: set[int] = set()
    for heading in marks:
        if heading.title.endswith("?"):
            drop.update(range(heading.first, heading.last))
    # Offsets of each original line in the cleaned text (dropped lines map to where they would have been).
    kept: list[str] = []
    offset_of: list[int] = []
    position = 0
    for number, line in enumerate(lines):
        offset_of.append(position)
        if number not in drop:
            kept.append(line)
            position += len(line) + 1
    offset_of.append(position)
    cleaned = "\n".join(kept)
    sections = []
    for index, heading in enumerate(marks):
        if not heading.title.endswith("?"):
            continue
        end_line = marks[index + 1].first if index + 1 < len(marks) else len(lines)
        start, end = offset_of[heading.last], min(offset_of[end_line], len(cleaned))
        body = cleaned[start:end]
        start += len(body) - len(body.lstrip())
        end -= len(body) - len(body.rstrip())
        if end > start:
            sections.append((heading.title, start, end))
    return cleaned, sections


def build_faq(source_root: Path = PYDOCS, *, subset: Iterable[str] | None = None) -> Dataset:
    """Write the cleaned documentation under ``bench/.cache`` and return the FAQ question set.

    ``subset``: relative paths (or glob patterns) to index instead of the whole documentation;
    ``faq/`` is always included.
    """
    if not (source_root / "faq").is_dir():
        raise FileNotFoundError(f"{source_root}/faq not found: install Debian's python3.11-doc")
    files = sorted(p for p in source_root.rglob("*.rst.txt") if p.is_file())
    notes = []
    if subset is not None:
        patterns = list(subset)
        files = [
            p
            for p in files
            if p.relative_to(source_root).parts[0] == "faq" or any(p.relative_to(source_root).match(pat) for pat in patterns)
        ]
        notes.append(f"documentation subset: faq/ plus {', '.join(patterns)} ({len(files)} files)")
    cleaned: dict[str, str] = {}
    questions: list[Question] = []
    for path in files:
        relative = path.relative_to(source_root).as_posix()
        text = path.read_text("utf-8-sig").replace("\r\n", "\n")
        if relative.startswith("faq/"):
            text, sections = clean_faq(text)
            for title, start, end in sections:
                questions.append(Question(plain_question(title), sources=[relative], span=(start, end), section=title))
        cleaned[relative] = text
    digest = hashlib.sha256(CORPUS_VERSION.encode())
    for relative, text in cleaned.items():
        digest.update(relative.encode() + b"\0" + hashlib.sha256(text.encode()).digest())
    key = digest.hexdigest()[:16]
    docs_dir = CACHE / f"pydocs-{key}"
    if not (docs_dir / ".complete").is_file():
        shutil.rmtree(docs_dir, ignore_errors=True)
        staging = CACHE / f".pydocs-{key}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        for relative, text in cleaned.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8")
        (staging / ".complete").write_text(json.dumps({"files": len(cleaned), "questions": len(questions)}))
        staging.rename(docs_dir)
    total = sum(len(t) for t in cleaned.values())
    notes.insert(0, f"{len(cleaned)} documentation files ({total / 1e6:.1f} M characters), {len(questions)} FAQ questions")
    return Dataset("python-faq", docs_dir, questions, notes)


def main() -> None:
    """Print the FAQ questions and check the seeds set: ``python bench/corpus.py``."""
    seeds = load_seeds()
    answerable = sum(q.answerable for q in seeds.questions)
    print(f"seeds: {answerable} answerable, {len(seeds.questions) - answerable} unanswerable; gold answers verified")
    faq = build_faq()
    print(f"python-faq: {'; '.join(faq.notes)}; corpus at {faq.docs_dir}")
    texts = faq.texts()
    for q in faq.questions:
        assert q.span is not None
        body = texts[q.sources[0]][q.span[0] : q.span[1]]
        print(json.dumps({**asdict(q), "body_chars": len(body)})[:300])


if __name__ == "__main__":
    main()
