"""Evaluation corpora: the seeds question set, a Python-FAQ set, the development set over Debian manuals, and the
encyclopedia set over FOLDOC.

The FAQ set is derived at run time from ``/usr/share/doc/python3.11/html/_sources`` (the
``python3.11-doc`` package): every FAQ section whose heading is a question becomes a query,
and its gold answer is that section's body. The whole documentation is indexed, but from a
cleaned copy in which those question headings are removed, so a query can never be answered
by matching its own heading.

The development set (issue 11) is ``bench/data/dev_qa.jsonl``: hand-written questions over three
corpora the answering rules were never tuned on, each the ORIGINAL HTML of an installed Debian package
(``DEV_CORPORA``: debian-reference-en, a subset of python3.11-doc, a subset of debian-handbook). The
chosen files are copied unchanged into ``bench/.cache/dev-<hash>/<corpus>/`` and indexed together, so a
document's source is ``<corpus>/<path relative to the corpus root>``. One question per line::

    {"id": "dr-001", "corpus": "debian-reference", "question": "...", "answers": ["Ctrl-Alt-F3"],
     "sources": ["ch01.en.html"], "answerable": true, "kind": "which-identifier", "split": "tune"}

Any one of ``answers`` counts; ``sources`` are relative to the corpus root. An unanswerable question has
no answers and no sources, ``"unanswerable": "near-topic"`` (the corpus covers the subject, ``topic_sources``
names the pages, but not the fact) or ``"off-topic"``, and ``absent`` / ``absent_in_topic``: the strings an
answer would need (usually the true answer), which ``verify_dev`` checks occur in no corpus file / no topic
page. ``python bench/corpus.py --dev`` runs every check (gold answers in their sources, as the loader reads
them and with the tags stripped; unanswerability; split balance).

The split: every question carries ``"split": "tune"`` or ``"split": "heldout"``, assigned ONCE by
``assign_splits`` (``python bench/corpus.py --assign-splits``, which only fills in missing splits) with a
seeded shuffle (seed 20261129), stratified by corpus and answerability, half and half. It is stored in
the file and never recomputed: tune rules on ``dev-tune`` only and report ``dev-heldout``.

The encyclopedia set (``bench/data/encyclopedia_qa.jsonl``, ``ENCYCLOPEDIA``) has the same format, checks and
split over one corpus of short articles: the 1,798 longest entries of the Free On-line Dictionary of Computing
(Debian's ``dict-foldoc``), each written as a plain-text file (``DictCorpus``). Its questions (ids ``en-``) ask
who made what, when, how many and why, with near-topic questions whose article exists but lacks the fact, and
questions whose article also states a nearby fact of the wrong kind (the 6800's instruction count beside the
6809's, quarterly profits beside sales). ``python bench/corpus.py --encyclopedia`` checks it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CACHE, DATA, PYDOCS, SEEDS, file_stem, read_jsonl
from bench.wikipedia import WIKIPEDIA, WikiCorpus
from index.formats.rst import read_rst
from index.loader import load

# Bump when the cleaning rules change, so cached corpora and indexes are rebuilt.
CORPUS_VERSION = "faq-v1"

# A reStructuredText section adornment: one punctuation character repeated, nothing else.
ADORNMENT = re.compile(r"""^([!-/:-@\[-`{-~])\1+\s*$""")
LITERAL = re.compile(r"``([^`]*)``")
WHITESPACE = re.compile(r"\s+")
_ROLE = re.compile(r":[\w:.-]+:`([^`]*)`")


@dataclass
class Question:
    """One evaluation question with its gold evidence.

    ``answers`` are gold answer strings (seeds); ``span`` is the gold section's [start, end)
    character range in the loader's text of ``sources[0]`` (FAQ), ``raw_span`` the same in the file's own
    text. Both empty means the question is unanswerable.
    """

    question: str
    answers: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    span: tuple[int, int] | None = None
    raw_span: tuple[int, int] | None = None  # FAQ: the same section in the file's bytes, for readers that keep the markup
    section: str = ""  # the FAQ heading, verbatim
    # Development set (bench/data/dev_qa.jsonl) only:
    id: str = ""
    corpus: str = ""
    kind: str = ""
    unanswerable: str = ""  # near-topic or off-topic, for unanswerable questions
    split: str = ""  # tune or heldout

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

    def files(self) -> list[Path]:
        return [p for p in sorted(self.docs_dir.rglob("*")) if p.is_file() and not p.name.startswith(".")]

    def read(self, path: Path) -> str:
        """A document's text as the index reads it (the loader's text: the offsets of its passages refer to it)."""
        return load(path).text

    def texts(self) -> dict[str, str]:
        """Every document's text by source name (path relative to ``docs_dir``)."""
        return {path.relative_to(self.docs_dir).as_posix(): self.read(path) for path in self.files()}

    def raw_texts(self) -> dict[str, str]:
        """Every document's own text (markup included, decompressed; a PDF's bytes as text), as a reader that does not
        parse it sees it."""
        from index.loader import read_bytes

        return {
            path.relative_to(self.docs_dir).as_posix(): read_bytes(path, 10**9).decode("utf-8-sig", errors="replace")
            for path in self.files()
        }

    def fingerprint(self) -> str:
        """A hash of every document's name and bytes: the key for cached indexes."""
        digest = hashlib.sha256()
        for path in self.files():
            digest.update(path.relative_to(self.docs_dir).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()


def normalise(text: str) -> str:
    """Lower-cased with runs of whitespace collapsed, for answer-string matching."""
    return WHITESPACE.sub(" ", text).strip().lower()


def cached_folder(name: str, fill: Callable[[Path], dict[str, int]]) -> Path:
    """``CACHE/name``, filled once: ``fill`` writes into a staging folder that is renamed into place when done.

    A run killed half-way leaves no ``.complete`` marker, so the next one starts the folder again.
    """
    folder = CACHE / name
    if not (folder / ".complete").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        staging = CACHE / f".{name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        (staging / ".complete").write_text(json.dumps(fill(staging)))
        staging.rename(folder)
    return folder


# --------------------------------------------------------------------------- seeds


def load_seeds() -> Dataset:
    """The hand-written seeds questions (bench/data/seeds_qa.jsonl); every gold answer string must appear in a gold source."""
    questions = []
    for row in read_jsonl("seeds_qa.jsonl"):
        if bool(row["answers"]) != bool(row["sources"]):
            raise ValueError(f"{row['question']!r}: answers and sources must both be set or both be empty")
        questions.append(Question(row["question"], list(row["answers"]), list(row["sources"])))
    dataset = Dataset("seeds", SEEDS, questions)
    texts = dataset.texts()
    problems = []
    for q in questions:
        problems += [f"{q.question!r}: unknown source {s}" for s in q.sources if s not in texts]
        for source in (s for s in q.sources if s in texts):
            if all(a not in texts[source] for a in q.answers):
                problems.append(f"{q.question!r}: no gold answer appears in {source}: {q.answers}")
        problems += [
            f"{q.question!r}: answer {a!r} is in no gold source"
            for a in q.answers
            if not any(a in texts.get(s, "") for s in q.sources)
        ]
    if problems:
        raise ValueError("seeds question set is inconsistent with the documents:\n" + "\n".join(problems))
    return dataset


# --------------------------------------------------------------------------- Python FAQ


def headings(lines: list[str]) -> list[tuple[str, int, int]]:
    """Section headings of a reST document: (title, first line, last line + 1) of a title underlined (and maybe overlined)."""
    found = []
    i = 0
    while i + 1 < len(lines):
        title, under = lines[i], lines[i + 1]
        if (
            title.strip()
            and not title[0].isspace()
            and not ADORNMENT.match(title)
            and ADORNMENT.match(under)
            and len(under.rstrip()) >= len(title.rstrip())
        ):
            overlined = i > 0 and ADORNMENT.match(lines[i - 1]) and lines[i - 1].rstrip() == under.rstrip()
            found.append((title.strip(), i - 1 if overlined else i, i + 2))
            i += 2
        else:
            i += 1
    return found


def plain_question(title: str) -> str:
    """A heading as a user would type it: reST roles and literals reduced to their text."""
    text = LITERAL.sub(r"\1", _ROLE.sub(lambda m: m.group(1).lstrip("~!"), title))
    return WHITESPACE.sub(" ", text).strip()


def clean_faq(text: str) -> tuple[str, list[tuple[str, int, int]]]:
    """Remove every question heading from one FAQ page.

    Returns the cleaned text and, per question, (heading, body start, body end): offsets of the
    section body (up to the next heading of any level) in the cleaned text, trimmed of blank space.
    """
    lines = text.split("\n")
    marks = headings(lines)
    drop = {line for title, first, last in marks if title.endswith("?") for line in range(first, last)}
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
    for index, (title, _, last) in enumerate(marks):
        if not title.endswith("?"):
            continue
        end_line = marks[index + 1][1] if index + 1 < len(marks) else len(lines)
        start, end = offset_of[last], min(offset_of[end_line], len(cleaned))
        body = cleaned[start:end]
        start += len(body) - len(body.lstrip())
        end -= len(body) - len(body.rstrip())
        if end > start:
            sections.append((title, start, end))
    return cleaned, sections


def read_spans(source: str, spans: list[tuple[int, int]]) -> list[tuple[int, int] | None]:
    """Where each [start, end) range of a reST ``source`` lies in the text the loader reads from it.

    The loader reduces markup to its text, so a section body is located by its own reading: the
    body alone read as reST, then its first and last blocks found in order in the whole reading
    (None where they are not found).
    """
    whole = read_rst(source).text
    found: list[tuple[int, int] | None] = []
    position = 0
    for start, end in spans:
        blocks = [b.strip() for b in read_rst(source[start:end]).text.split("\n\n") if b.strip()]
        if not blocks:
            found.append(None)
            continue
        head, tail = blocks[0][:80], blocks[-1][-80:]
        first = whole.find(head, position)
        last = whole.find(tail, first)
        if first < 0 or last < 0:
            found.append(None)
            continue
        found.append((first, last + len(tail)))
        position = first
    return found


def build_faq(*, subset: Iterable[str] | None = None) -> Dataset:
    """Write the cleaned documentation under ``bench/.cache`` and return the FAQ question set.

    ``subset``: relative paths (or glob patterns) to index instead of the whole documentation;
    ``faq/`` is always included.
    """
    if not (PYDOCS / "faq").is_dir():
        raise FileNotFoundError(f"{PYDOCS}/faq not found: install Debian's python3.11-doc")
    files = sorted(p for p in PYDOCS.rglob("*.rst.txt") if p.is_file())
    notes = []
    if subset is not None:
        patterns = list(subset)
        files = [
            p for p in files if p.relative_to(PYDOCS).parts[0] == "faq" or any(p.relative_to(PYDOCS).match(x) for x in patterns)
        ]
        notes.append(f"documentation subset: faq/ plus {', '.join(patterns)} ({len(files)} files)")
    cleaned: dict[str, str] = {}
    questions: list[Question] = []
    for path in files:
        relative = path.relative_to(PYDOCS).as_posix()
        text = path.read_text("utf-8-sig").replace("\r\n", "\n")
        if relative.startswith("faq/"):
            text, sections = clean_faq(text)
            spans = read_spans(text, [(s, e) for _, s, e in sections])
            questions += [
                Question(plain_question(t), sources=[relative], span=span, raw_span=(s, e), section=t)
                for (t, s, e), span in zip(sections, spans, strict=True)
                if span is not None
            ]
            if missing := sum(span is None for span in spans):
                notes.append(f"{relative}: {missing} FAQ section(s) not found in the loader's text, left out")
        cleaned[relative] = text
    digest = hashlib.sha256(CORPUS_VERSION.encode())
    for relative, text in cleaned.items():
        digest.update(relative.encode() + b"\0" + hashlib.sha256(text.encode()).digest())

    def fill(staging: Path) -> dict[str, int]:
        for relative, text in cleaned.items():
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).write_text(text, "utf-8")
        return {"files": len(cleaned), "questions": len(questions)}

    docs_dir = cached_folder(f"pydocs-{digest.hexdigest()[:16]}", fill)
    total = sum(len(t) for t in cleaned.values())
    notes.insert(0, f"{len(cleaned)} documentation files ({total / 1e6:.1f} M characters), {len(questions)} FAQ questions")
    return Dataset("python-faq", docs_dir, questions, notes)


# --------------------------------------------------------------------------- development set (issue 11)


@dataclass(frozen=True)
class Corpus:
    """A documentation corpus installed by a Debian package: which files of it are indexed, as they are.

    ``files`` are glob patterns relative to ``root``; ``exclude`` removes matches (navigation-only pages).
    """

    name: str
    package: str
    root: Path
    files: tuple[str, ...]
    kind: str
    exclude: tuple[str, ...] = ()

    def paths(self) -> list[Path]:
        """The chosen files, sorted; every pattern must match (a renamed page would otherwise vanish silently)."""
        if not self.root.is_dir():
            raise FileNotFoundError(
                f"corpus {self.name!r}: no {self.root}; install Debian's {self.package}: apt-get install -y {self.package}"
            )
        chosen: set[Path] = set()
        for pattern in self.files:
            matched = {p for p in self.root.glob(pattern) if p.is_file()}
            if not matched:
                raise FileNotFoundError(f"corpus {self.name!r}: {pattern!r} matches nothing under {self.root}")
            chosen |= matched
        return sorted(p for p in chosen if not any(p.relative_to(self.root).match(x) for x in self.exclude))


_PYTHON_LIBRARY = (
    "pathlib os.path shutil json csv random statistics math textwrap glob tempfile zipfile hashlib secrets uuid "
    "heapq bisect timeit pprint copy base64 fnmatch gzip fractions sched calendar zoneinfo getpass shelve queue "
    "platform array"
).split()
_HANDBOOK = (
    # Chapter 1, the Debian project: history, organisation, releases (prose).
    "the-debian-project sect.foundation-documents sect.debian-internals sect.follow-debian-news "
    "sect.role-of-distributions sect.release-lifecycle "
    # Chapter 2, the case study: why GNU/Linux, why Debian.
    "case-study sect.master-plan sect.why-gnu-linux sect.why-debian sect.why-debian-stable "
    # Appendix A, derivative distributions (short encyclopedic entries).
    "derivative-distributions sect.ubuntu sect.linux-mint sect.knoppix sect.aptosid sect.grml sect.tails sect.kali "
    "sect.devuan sect.doudoulinux sect.raspbian sect.pureos sect.steamos sect.other-derivatives "
    # Appendix B, a short remedial course on computers and Unix.
    "short-remedial-course sect.computer-layers sect.filesystem-hierarchy sect.kernel-role-and-tasks sect.user-space "
    # Chapter 16 and the front matter.
    "conclusion sect.future-of-debian sect.future-of-this-book foreword preface sect.who-is-this-book-for "
    "sect.book-structure sect.acknowledgments sect.contributing sect.selected-approach "
    # Chapter 9, Unix services.
    "unix-services sect.remote-login sect.rights-management sect.administration-interfaces sect.syslog sect.inetd "
    "sect.task-scheduling-cron-atd sect.asynchronous-task-scheduling-anacron sect.quotas sect.backup sect.hotplug "
    "sect.power-management "
    # Chapter 14, security.
    "security sect.firewall-packet-filtering sect.supervision sect.apparmor sect.selinux "
    "sect.other-security-considerations sect.dealing-with-compromised-machine"
).split()
_HANDBOOK_ROOT = Path("/usr/share/doc/debian-handbook/html/en-US")  # the Debian Administrator's Handbook, in HTML
_PYTHON_PAGES = (
    "tutorial/appendix tutorial/appetite tutorial/classes tutorial/controlflow tutorial/datastructures tutorial/errors "
    "tutorial/floatingpoint tutorial/inputoutput tutorial/interactive tutorial/interpreter tutorial/introduction "
    "tutorial/modules tutorial/stdlib tutorial/stdlib2 tutorial/venv tutorial/whatnow howto/sorting howto/ipaddress "
    "howto/sockets howto/urllib2 howto/argparse howto/annotations howto/logging"
).split() + [f"library/{name}" for name in _PYTHON_LIBRARY]

DEV_CORPORA: tuple[Corpus, ...] = (
    Corpus(
        name="debian-reference",
        package="debian-reference-en",
        root=Path("/usr/share/debian-reference"),
        files=("*.en.html",),
        exclude=("index.en.html",),  # the table of contents: titles only
        kind="technical manual: 14 long DocBook chapter pages, dense with command and package tables",
    ),
    Corpus(
        name="python-docs",
        package="python3.11-doc",
        root=Path("/usr/share/doc/python3.11/html"),
        files=tuple(f"{page}.html" for page in _PYTHON_PAGES),
        kind="API reference and tutorial: Sphinx HTML pages (tutorial, HOWTOs, 32 library modules)",
    ),
    Corpus(
        name="debian-handbook",
        package="debian-handbook",
        root=_HANDBOOK_ROOT,
        files=tuple(f"{name}.html" for name in _HANDBOOK),
        kind="book prose: Publican HTML section pages (project history, derivatives, Unix services, security)",
    ),
)


@dataclass(frozen=True)
class DictCorpus:
    """The longer entries of a dictd dictionary installed by a Debian package, one plain-text file per entry.

    An encyclopedia in miniature: FOLDOC's longer entries are short articles on languages, machines, companies
    and people, with dates, names and numbers. Each entry is written as ``<headword>.txt``: its first headword as
    the title line, then its text as the dictionary wraps it (three-space indent, hard line breaks), with the
    dictionary's own markup reduced to its words: ``{cross references}`` and ``<category>`` labels. Offsets in
    the ``.index`` file are base-64 numbers into the decompressed ``.dict.dz``.
    """

    name: str
    package: str
    dictionary: Path  # the .index file; the .dict.dz beside it
    min_bytes: int  # entries shorter than this (one-line glossary entries) are left out
    kind: str

    @cached_property
    def root(self) -> Path:
        """The folder of generated entry files (built once, cached by the dictionary's bytes)."""
        if not self.dictionary.is_file():
            raise FileNotFoundError(
                f"corpus {self.name!r}: no {self.dictionary}; install Debian's {self.package}: apt-get install -y {self.package}"
            )
        data = self.dictionary.with_suffix(".dict.dz")
        # Bump "dictd-v1" when ``write_entries`` changes what it writes, so that the cached files are rewritten.
        digest = hashlib.sha256(b"dictd-v1" + str(self.min_bytes).encode())
        digest.update(hashlib.sha256(self.dictionary.read_bytes() + data.read_bytes()).digest())
        return cached_folder(f"{self.name}-{digest.hexdigest()[:16]}", self.write_entries)

    def paths(self) -> list[Path]:
        return sorted(self.root.glob("*.txt"))

    def write_entries(self, folder: Path) -> dict[str, int]:
        """Write every entry of at least ``min_bytes`` into ``folder`` as ``<headword>.txt``; return how many."""
        import gzip

        data = gzip.decompress(self.dictionary.with_suffix(".dict.dz").read_bytes())
        spans: dict[tuple[int, int], str] = {}
        for line in self.dictionary.read_text("utf-8").splitlines():
            headword, offset, length = line.split("\t")[:3]
            if not headword.startswith("00-"):  # the database's own header entries
                spans.setdefault((_base64(offset), _base64(length)), headword)
        names: set[str] = set()
        for (offset, length), headword in sorted(spans.items()):
            if length < self.min_bytes:
                continue
            raw = data[offset : offset + length].decode("utf-8", "replace")  # dictd offsets count bytes
            title, _, body = raw.strip("\n").partition("\n\n")
            body = _DICT_LABEL.sub("", _DICT_REFERENCE.sub(r"\1", body))
            body = "\n".join(line[3:] if line.startswith("   ") else line for line in body.splitlines())
            name = file_stem(headword, names, "entry")
            (folder / f"{name}.txt").write_text(f"{title.splitlines()[0].strip()}\n\n{body.strip()}\n", "utf-8")
        return {"files": len(names)}


# "{Motorola 6809}" -> "Motorola 6809"; "{Compton's Encyclopedia Online (http://...)}" -> "Compton's Encyclopedia Online".
_DICT_REFERENCE = re.compile(r"\{([^{}()]*?)(?:\s*\([^{}()]*\))?\}")
# "<processor> " and "<language, programming> ": the entry's subject labels, not prose (e-mail addresses keep theirs).
_DICT_LABEL = re.compile(r"<[a-z][a-z ,/-]*>\s*")
_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _base64(digits: str) -> int:
    """A dictd index number: base 64, most significant digit first."""
    value = 0
    for digit in digits:
        value = value * 64 + _BASE64.index(digit)
    return value


FOLDOC = DictCorpus(
    name="foldoc",
    package="dict-foldoc",
    dictionary=Path("/usr/share/dictd/foldoc.index"),
    min_bytes=800,
    kind="encyclopedia: the Free On-line Dictionary of Computing's longer entries as plain text (languages, "
    "machines, companies, people)",
)

DEV_QA = DATA / "dev_qa.jsonl"


@dataclass(frozen=True)
class QuestionSet:
    """Hand-written questions over corpora that share one index: the development set, the encyclopedia set."""

    name: str
    questions: Path
    corpora: tuple[Corpus | DictCorpus | WikiCorpus, ...]


DEV = QuestionSet("dev", DEV_QA, DEV_CORPORA)
# Short encyclopedia articles, the kind of text issue 11's failure patterns come from, and no Debian manual.
ENCYCLOPEDIA = QuestionSet("encyclopedia", DATA / "encyclopedia_qa.jsonl", (FOLDOC,))
# A whole technical manual as a user indexes it: every page of the Debian Administrator's Handbook (the development
# set holds 59 of them), with questions asked only of the pages the development set does not hold.
MANUAL = QuestionSet(
    "manual",
    DATA / "manual_qa.jsonl",
    (
        Corpus(
            name="debian-handbook",
            package="debian-handbook",
            root=_HANDBOOK_ROOT,
            files=("*.html",),
            kind="a whole technical manual: every Publican HTML page of the Debian Administrator's Handbook",
        ),
    ),
)
# Another site's generator (SQLite's own HTML, not DocBook, Publican or Sphinx): 32 prose pages of its documentation.
# Its questions were written after every rule and weight of the answerer, by a reader of these pages only.
SQLITE = QuestionSet(
    "sqlite",
    DATA / "sqlite_qa.jsonl",
    (
        Corpus(
            name="sqlite",
            package="sqlite3-doc",
            root=Path("/usr/share/doc/sqlite3"),
            files=tuple(
                f"{page}.html"
                for page in """about whentouse faq datatype3 limits wal lockingv3 atomiccommit lang_vacuum pragma json1
                foreignkeys autoinc lang_transaction howtocorrupt isolation quirks backup cli stricttables gencol
                tempfiles testing selfcontained serverless zeroconf transactional mostdeployed queryplanner sharedcache
                threadsafe lang_altertable""".split()
            ),
            kind="a software manual from another generator: 32 prose pages of SQLite's documentation (sqlite3-doc)",
        ),
    ),
)
# A third generator and one long page: the Bash reference manual as GNU publishes it (Texinfo's single-page HTML). Its
# questions were written by a reader of the manual only, after every rule, weight and bar of the answerer.
BASH = QuestionSet(
    "bash",
    DATA / "bash_qa.jsonl",
    (
        Corpus(
            name="bash",
            package="bash-doc",
            root=Path("/usr/share/doc/bash"),
            files=("bashref.html",),
            kind="one long Texinfo page: the Bash Reference Manual (bash-doc), 437 kB of text",
        ),
    ),
)
# PDFs, compressed as Debian ships them: a FAQ and a standard, set by two other generators (LaTeX, DocBook). Its
# questions were written by a reader of the two texts as the loader gives them, after loader version 19.
PDFS = QuestionSet(
    "pdfs",
    DATA / "pdf_qa.jsonl",
    (
        Corpus(
            name="debian-faq",
            package="debian-faq",
            root=Path("/usr/share/doc/debian/FAQ"),
            files=("debian-faq.en.pdf.gz",),
            kind="a FAQ as a compressed PDF (LaTeX, 73 pages): the Debian GNU/Linux FAQ",
        ),
        Corpus(
            name="fhs",
            package="debian-policy",
            root=Path("/usr/share/doc/debian-policy/fhs"),
            files=("fhs-3.0.pdf.gz",),
            kind="a standard as a compressed PDF (DocBook, 50 pages): the Filesystem Hierarchy Standard 3.0",
        ),
    ),
)
# Two more generators and Markdown: Valgrind's manual (DocBook HTML, every page) and 15 pages of the Node.js API
# reference as Markdown, as Debian ships them. Its questions were written before any answer over these pages was
# seen, after every rule, weight and bar of the answerer: neither half was tuned on when it was first measured.
TOOLS = QuestionSet(
    "tools",
    DATA / "tools_qa.jsonl",
    (
        Corpus(
            name="valgrind",
            package="valgrind",
            root=Path("/usr/share/doc/valgrind/html"),
            files=("*.html",),
            kind="a tool's manual from DocBook: every HTML page of the Valgrind manual, FAQ and release notes (valgrind)",
        ),
        Corpus(
            name="nodejs",
            package="nodejs",
            root=Path("/usr/share/doc/nodejs/api"),
            files=tuple(
                f"{page}.md"
                for page in "fs path http child_process events buffer process os url timers crypto zlib readline cli "
                "stream".split()
            ),
            kind="an API reference in Markdown: 15 module pages of the Node.js documentation (nodejs)",
        ),
    ),
)
# Two more generators of HTML manuals, both new to the loader's rules until loader version 24: the Apache HTTP Server's
# manual (its own XML to HTML, every English page) and git's (AsciiDoc, every HTML page Debian ships: commands, guides,
# how-tos and technical notes). Its questions were written as users ask them, before any answer over these pages was
# seen; the loader's rules for these pages (version 24) came first, from reading their text, not their answers.
SERVERS = QuestionSet(
    "servers",
    DATA / "servers_qa.jsonl",
    (
        Corpus(
            name="apache",
            package="apache2-doc",
            root=Path("/usr/share/doc/apache2-doc/manual/en"),
            files=("**/*.html",),
            kind="a server's manual in HTML: every English page of the Apache HTTP Server 2.4 documentation (apache2-doc)",
        ),
        Corpus(
            name="git",
            package="git-doc",
            root=Path("/usr/share/doc/git/html"),
            files=("**/*.html",),
            kind="a tool's manual from AsciiDoc: every HTML page of git's documentation (git-doc)",
        ),
    ),
)
# Encyclopedia articles of the kind issue 11's failure patterns come from (people, places, events: who did what, when,
# how many, how deep), which FOLDOC's computing entries only approach: English Wikipedia, from a PyPI wheel. Its
# questions were written from the articles alone, before any answer over them was seen.
WIKI = QuestionSet("wiki", DATA / "wiki_qa.jsonl", (WIKIPEDIA,))
# A book as EPUB, the format's first set: the Debian Live Systems Manual (live-manual-epub), one file of 19 chapters.
# Its questions were written from the book as the loader reads it, before any answer over it was seen, after every
# rule, weight and bar of the answerer: neither half was tuned on when it was first measured.
LIVE = QuestionSet(
    "live",
    DATA / "live_qa.jsonl",
    (
        Corpus(
            name="live-manual",
            package="live-manual-epub",
            root=Path("/usr/share/doc/live-manual/epub"),
            files=("live-manual.en.epub",),
            kind="a book as EPUB: the Live Systems Manual (live-manual-epub), 19 chapters in one file",
        ),
    ),
)
# Three sets written after every rule, weight and bar of the answerer, to choose the tentative answers' fate on text no
# rule was made for (the earlier sets' tuning halves hold the answers the rules were made to rescue). Each was written
# from its corpus as the loader reads it, before any answer over it was seen.
# An encyclopedia of people, programs and history in short entries: the Jargon File's lexicon (dict-jargon).
JARGON = QuestionSet(
    "jargon",
    DATA / "jargon_qa.jsonl",
    (
        DictCorpus(
            name="jargon",
            package="dict-jargon",
            dictionary=Path("/usr/share/dictd/jargon.index"),
            min_bytes=200,
            kind="encyclopedia: the Jargon File's lexicon entries of 200 bytes or more as plain text (1,844 entries)",
        ),
    ),
)
# A mail server's manual as a user indexes it: every HTML page of Postfix's documentation (hand-written HTML READMEs
# and its manual pages), the size of issue 16's hidden manual.
POSTFIX = QuestionSet(
    "postfix",
    DATA / "postfix_qa.jsonl",
    (
        Corpus(
            name="postfix",
            package="postfix-doc",
            root=Path("/usr/share/doc/postfix/html"),
            files=("*.html",),
            kind="a server's manual in HTML: every page of Postfix's documentation, READMEs and manual pages (postfix-doc)",
        ),
    ),
)
# A shell's manual split into many Texinfo HTML pages (the bash set is one page): the Z shell manual (zsh-doc).
ZSH = QuestionSet(
    "zsh",
    DATA / "zsh_qa.jsonl",
    (
        Corpus(
            name="zsh",
            package="zsh-doc",
            root=Path("/usr/share/doc/zsh-common/html"),
            files=("*.html",),
            kind="a shell's manual in many Texinfo HTML pages: the Z Shell Manual (zsh-doc)",
        ),
    ),
)
# A tool's documentation as its project writes it, in MyST Markdown and reStructuredText sources: pip's (python3-pip), the
# first MyST the loader read (loader version 35). Its questions were written from the pages as that loader reads them,
# before any answer over them was seen, after every rule, weight and bar of the answerer.
PIP = QuestionSet(
    "pip",
    DATA / "pip_qa.jsonl",
    (
        Corpus(
            name="pip",
            package="python3-pip",
            root=Path("/usr/share/doc/python3-pip/html"),
            files=("**/*.md", "**/*.md.gz", "**/*.rst", "**/*.rst.gz"),
            kind="a tool's documentation sources in MyST Markdown and reST: pip's guide, topics, reference and CLI pages",
            exclude=("development/vendoring-policy.rst",),  # only an include of a file the package does not ship
        ),
    ),
)

# Two HTML generators no rule was written for, each indexed as its package installs it: Doxygen's own manual (written by
# Doxygen, every page's text in a ``div.contents``, read only from loader version 38 on) and the Rust book (mdBook). Their
# questions were written from the pages as the loader reads them, before any answer over them was seen, after every rule,
# weight and bar of the answerer; nothing was tuned on either.
DOXYGEN = QuestionSet(
    "doxygen",
    DATA / "doxygen_qa.jsonl",
    (
        Corpus(
            name="doxygen",
            package="doxygen-doc",
            root=Path("/usr/share/doc/doxygen/html"),
            files=("*.html",),
            kind="a tool's manual in HTML written by the tool itself: Doxygen's 33 pages (doxygen-doc)",
        ),
    ),
)
RUSTBOOK = QuestionSet(
    "rustbook",
    DATA / "rustbook_qa.jsonl",
    (
        Corpus(
            name="rustbook",
            package="rust-doc",
            root=Path("/usr/share/doc/rust-doc/html/book"),
            files=("ch*.html", "appendix-*.html"),
            kind="a programming book in mdBook HTML: The Rust Programming Language's 103 chapter pages (rust-doc)",
        ),
    ),
)
# A seventeenth set, over a generator read better by loader 44: Django's Sphinx HTML, its topic guides and how-to pages
# and the settings reference (python-django-doc), a technical manual of about a hundred pages as a new user indexes it.
DJANGO = QuestionSet(
    "django",
    DATA / "django_qa.jsonl",
    (
        Corpus(
            name="django",
            package="python-django-doc",
            root=Path("/usr/share/doc/python-django-doc/html"),
            files=("topics/**/*.html", "howto/**/*.html", "ref/settings.html"),
            kind="a web framework's manual in Sphinx HTML: Django's topic guides, how-to pages and settings reference",
        ),
    ),
)

# An eighteenth set, over a generator read better by loader 46: PostgreSQL's DocBook HTML (postgresql-doc-15), its
# tutorial, server administration, data types, data definition, indexes, queries and concurrency chapters and seven
# client programs' reference pages, about 150 pages, a technical manual of the size a new user indexes.
POSTGRES = QuestionSet(
    "postgres",
    DATA / "postgres_qa.jsonl",
    (
        Corpus(
            name="postgres",
            package="postgresql-doc-15",
            root=Path("/usr/share/doc/postgresql-doc-15/html"),
            files=(
                *("tutorial*.html", "runtime*.html", "auth-*.html", "client-auth*.html", "datatype*.html", "ddl*.html"),
                *("indexes*.html", "queries*.html", "mvcc*.html", "transaction-iso.html", "explicit-locking.html"),
                *("applevel-consistency.html", "locking-indexes.html", "backup*.html", "continuous-archiving.html"),
                *("routine-*.html", "wal*.html", "server-s*.html", "creating-cluster.html", "kernel-resources.html"),
                *("logfile-maintenance.html", "non-durability.html", "populate.html", "ssl-tcp.html", "upgrading.html"),
                *("using-explain.html", "app-psql.html", "app-pgdump.html", "app-pgrestore.html", "app-initdb.html"),
                *("app-createdb.html", "app-pgbasebackup.html", "app-vacuumdb.html"),
            ),
            kind="a database's manual in DocBook HTML: PostgreSQL 15's tutorial, administration and SQL chapters",
        ),
    ),
)

# Manual pages as Debian installs them under /usr/share/man, read through mandoc (loader's man reader): the package
# tools (apt, dpkg, dpkg-dev), the SSH client, and the text and process tools a user asks about (find, xargs, grep,
# sed, tar, ps, top, free, pgrep, sysctl). Its questions were written from the pages as the loader reads them, before
# any answer over them was seen, after every rule, weight and bar of the answerer: neither half was tuned on.
MANPAGES = QuestionSet(
    "manpages",
    DATA / "manpages_qa.jsonl",
    (
        Corpus(
            name="man",
            package="apt dpkg-dev openssh-client procps",
            root=Path("/usr/share/man"),
            files=(
                *("man8/apt*.8.gz", "man5/apt*.5.gz", "man5/sources.list.5.gz", "man7/apt-patterns.7.gz"),
                *("man1/dpkg*.1.gz", "man5/dpkg*.5.gz"),
                *("man1/ssh*.1.gz", "man1/scp.1.gz", "man1/sftp.1.gz", "man5/ssh_config.5.gz"),
                *("man1/find.1.gz", "man1/xargs.1.gz", "man1/grep.1.gz", "man1/sed.1.gz", "man1/tar.1.gz"),
                *("man1/ps.1.gz", "man1/top.1.gz", "man1/free.1.gz", "man1/pgrep.1.gz", "man8/sysctl.8.gz"),
                "man5/sysctl.conf.5.gz",
            ),
            kind="manual pages (troff, read through mandoc): apt, dpkg, ssh, find, grep, sed, tar, ps and others (61 pages)",
        ),
    ),
)

# GNU Info manuals as Texinfo's makeinfo writes them (``index/formats/info.py``), from packages every Debian system has.
INFO = QuestionSet(
    "info",
    DATA / "info_qa.jsonl",
    (
        Corpus(
            name="info",
            package="coreutils grep sed findutils gzip wget diffutils time",
            root=Path("/usr/share/info"),
            files=(
                *("coreutils.info.gz", "grep.info.gz", "sed.info.gz", "find.info-1.gz", "gzip.info.gz"),
                *("wget.info.gz", "diffutils.info.gz", "time.info.gz"),
            ),
            kind="GNU Info manuals (makeinfo's output): coreutils, grep, sed, findutils, gzip, wget, diffutils, time (8 files)",
        ),
    ),
)

# Tables, a spreadsheet and a notebook, the formats read from 2026-12-06: Debian's and Ubuntu's releases
# (distro-info-data, CSV), odfpy's example spreadsheet of European countries and HDI ranks (ODS, two sheets) and
# nbconvert's notebook on using nbconvert as a library.
TABLES = QuestionSet(
    "tables",
    DATA / "tables_qa.jsonl",
    (
        Corpus(
            name="distro",
            package="distro-info-data",
            root=Path("/usr/share/distro-info"),
            files=("debian.csv", "ubuntu.csv"),
            kind="Debian's and Ubuntu's releases as CSV tables (version, codename, dates of release and end of support)",
        ),
        Corpus(
            name="sheets",
            package="python-odf-doc",
            root=Path("/usr/share/doc/python-odf-doc/examples"),
            files=("countrystatistics.ods",),
            kind="an OpenDocument spreadsheet: European countries' population, area and density; 64 HDI ranks",
        ),
        Corpus(
            name="notebook",
            package="python-nbconvert-doc",
            root=Path("/usr/share/doc/python-nbconvert-doc/html"),
            files=("nbconvert_library.ipynb.gz",),
            kind="a Jupyter notebook: nbconvert used as a library, with its outputs",
        ),
    ),
)

QUESTION_SETS = {
    qs.name: qs
    for qs in (
        *(DEV, ENCYCLOPEDIA, MANUAL, SQLITE, BASH, PDFS, TOOLS, SERVERS, WIKI, LIVE, JARGON, POSTFIX, ZSH, PIP),
        *(DOXYGEN, RUSTBOOK, DJANGO, POSTGRES, MANPAGES, INFO, TABLES),
    )
}
DEV_SPLIT_SEED = 20261129
DEV_KINDS = frozenset({"factoid", "number", "year", "date", "which-identifier", "who", "why", "how", "definition"})


class DevDataset(Dataset):
    """A dataset over HTML (and other) files: document texts are read by the project's own loader."""

    def read(self, path: Path) -> str:
        from index.loader import load

        return load(path).text

    def fingerprint(self) -> str:
        """Documents' bytes plus the reading code's source: HTML is read by ``index/loader.py`` and ``index/formats/``."""
        return hashlib.sha256((super().fingerprint() + loader_source_hash()).encode()).hexdigest()


def loader_source_hash() -> str:
    """A hash of ``index/loader.py`` and every module of ``index/formats/``: it changes whenever a document's text may."""
    from index import loader

    here = Path(loader.__file__).resolve()
    digest = hashlib.sha256()
    for path in [here, *sorted((here.parent / "formats").glob("*.py"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_dev_corpus(qs: QuestionSet = DEV) -> Path:
    """Copy every corpus's chosen files, unchanged, into ``bench/.cache/<set>-<hash>/<corpus>/<path>``; return that folder."""
    chosen = [(corpus, path) for corpus in qs.corpora for path in corpus.paths()]
    digest = hashlib.sha256(f"{qs.name}-v1".encode())
    for corpus, path in chosen:
        relative = f"{corpus.name}/{path.relative_to(corpus.root).as_posix()}"
        digest.update(relative.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())

    def fill(staging: Path) -> dict[str, int]:
        for corpus, path in chosen:
            target = staging / corpus.name / path.relative_to(corpus.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        return {"files": len(chosen)}

    return cached_folder(f"{qs.name}-{digest.hexdigest()[:16]}", fill)


def load_dev(qs: QuestionSet = DEV) -> DevDataset:
    """Every question of the set (the development set unless told) over all its corpora, in one index.

    A document's source is ``<corpus>/<path relative to the corpus root>``, and so are the questions' gold
    sources here (the file stores them relative to the corpus root).
    """
    questions = [
        Question(
            row["question"],
            list(row["answers"]),
            [f"{row['corpus']}/{source}" for source in row["sources"]],
            id=row["id"],
            corpus=row["corpus"],
            kind=row["kind"],
            unanswerable=row.get("unanswerable", ""),
            split=row["split"],
        )
        for row in read_jsonl(qs.questions.name)
    ]
    sizes = ", ".join(f"{c.name} ({c.package}, {len(c.paths())} files)" for c in qs.corpora)
    return DevDataset(qs.name, build_dev_corpus(qs), questions, [f"one index over {sizes}"])


# --------------------------------------------------------------------------- development set checks


def dev_texts(qs: QuestionSet = DEV) -> dict[str, tuple[str, str]]:
    """``corpus/path`` -> (normalised text as the loader reads it, normalised text read without the loader)."""
    from index.loader import load

    return {
        f"{corpus.name}/{path.relative_to(corpus.root).as_posix()}": (normalise(load(path).text), normalise(_plain_reading(path)))
        for corpus in qs.corpora
        for path in corpus.paths()
    }


def _plain_reading(path: Path) -> str:
    """A loader-independent reading of a file, to check gold answers by: a web page's text with its tags stripped
    (Beautiful Soup), a PDF's text as pypdf extracts it, Markdown as written without its inline-code backticks, a
    notebook's JSON strings as they are, an OpenDocument spreadsheet's XML with its tags as spaces; decompressed first
    when the file is compressed."""
    import io

    from index.loader import document_suffix, read_bytes

    data = read_bytes(path, 10**9)
    if document_suffix(path.name) == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if document_suffix(path.name) == ".md":
        return data.decode("utf-8", errors="replace").replace("`", "")
    if document_suffix(path.name) == ".epub":  # every XHTML page of the archive, tags stripped, in the archive's order
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            pages = [archive.read(name) for name in archive.namelist() if name.endswith((".xhtml", ".html", ".htm"))]
        return "\n".join(_stripped(page) for page in pages)
    if document_suffix(path.name) == ".ipynb":  # every cell's source and output as the JSON holds them, unparsed
        import json

        def strings(value: object) -> str:
            if isinstance(value, dict):
                return "\n".join(strings(item) for key, item in value.items() if key not in ("metadata", "image/png"))
            if isinstance(value, list):
                return "".join(strings(item) for item in value)
            return value if isinstance(value, str) else ""

        return strings(json.loads(data))
    if document_suffix(path.name) == ".ods":  # the cells' text in the sheet's XML, each tag a space
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return re.sub(r"<[^>]*>", " ", archive.read("content.xml").decode("utf-8"))
    return _stripped(data)


def _stripped(data: bytes) -> str:
    """A web page's text with its tags stripped (Beautiful Soup), scripts, styles and head left out."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data.decode("utf-8", errors="replace"), "html.parser")
    for element in soup(["script", "style", "head"]):
        element.decompose()
    return soup.get_text("")


def _mentions(text: str, term: str) -> bool:
    """Whether normalised ``text`` holds ``term`` as a whole word or phrase (so "paris" is not found in "comparison")."""
    return re.search(r"(?<!\w)" + re.escape(normalise(term)) + r"(?!\w)", text) is not None


def verify_dev(rows: list[dict], texts: dict[str, tuple[str, str]], qs: QuestionSet = DEV) -> list[str]:
    """Everything that must hold for the development questions; an empty list when it does.

    - ids unique, corpus known, kind known, split ``tune`` or ``heldout``;
    - answerable: gold answers and sources set; every source is a corpus file; every gold answer string
      occurs (case-insensitively, whitespace normalised) in a gold source, as the loader reads it or with
      the tags merely stripped, and at least one gold answer occurs in each of the two readings (so a
      change of the HTML loader cannot make a question lose all its gold answers);
    - unanswerable: no answers, ``unanswerable`` is ``near-topic`` or ``off-topic``; ``topic_sources`` (the
      on-topic pages that exist but lack the fact; required for near-topic) exist; none of ``absent``
      (strings the answer would have to contain, usually the true answer) occurs as a word or phrase in
      ANY file of ANY corpus, since all share one index; none of ``absent_in_topic`` (for answers, like a
      year, too common to exclude everywhere) occurs in the topic sources;
    - the split is balanced within each (corpus, answerable) stratum, a question relabelled after the split
      (``drawn_answerable`` and the reason in ``relabelled``) counted in the stratum it was drawn in.
    """
    names = {c.name for c in qs.corpora}
    problems: list[str] = []
    seen: set[str] = set()
    for row in rows:
        qid = row.get("id", "?")
        where = f"{qid} {row.get('question', '')!r}"
        if qid in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(qid)
        if row.get("corpus") not in names:
            problems.append(f"{where}: unknown corpus {row.get('corpus')!r}")
            continue
        if row.get("kind") not in DEV_KINDS:
            problems.append(f"{where}: unknown kind {row.get('kind')!r}")
        if row.get("split") not in ("tune", "heldout"):
            problems.append(f"{where}: split must be tune or heldout, not {row.get('split')!r}")
        check = _check_answerable if row.get("answerable") else _check_unanswerable
        problems += check(row, where, row["corpus"] + "/", texts)
    # A question relabelled after the split counts where it was drawn.
    problems += unbalanced_splits(
        rows, lambda row: (row.get("corpus", ""), bool(row.get("drawn_answerable", row.get("answerable"))))
    )
    return problems


def unbalanced_splits(rows: list[dict], stratum: Callable[[dict], tuple[str, bool]]) -> list[str]:
    """A problem for each (group, answerable) stratum whose tuning and held-out halves differ by more than one row."""
    strata: dict[tuple[str, bool], list[str]] = {}
    for row in rows:
        strata.setdefault(stratum(row), []).append(row.get("split", ""))
    return [
        f"split unbalanced for {group}, answerable={answerable}: {splits.count('tune')} tune"
        for (group, answerable), splits in sorted(strata.items())
        if abs(splits.count("tune") - splits.count("heldout")) > 1
    ]


def _check_answerable(row: dict, where: str, prefix: str, texts: dict[str, tuple[str, str]]) -> list[str]:
    problems = []
    if not row.get("answers") or not row.get("sources") or row.get("unanswerable"):
        problems.append(f"{where}: an answerable question needs answers and sources and no 'unanswerable'")
    problems += [f"{where}: unknown source {s}" for s in row.get("sources", []) if prefix + s not in texts]
    sources = [texts[prefix + s] for s in row.get("sources", []) if prefix + s in texts]
    # pypdf sets a LaTeX PDF's words without the spaces between them: the independent reading is searched without them too.
    found = [
        (any(normalise(a) in t[0] for t in sources), any(_squeezed(a) in _squeezed(t[1]) for t in sources))
        for a in row.get("answers", [])
    ]
    problems += [
        f"{where}: answer {a!r} is in no gold source"
        for a, pair in zip(row.get("answers", []), found, strict=True)
        if not any(pair)
    ]
    if found and not any(loaded for loaded, _ in found):
        problems.append(f"{where}: no gold answer is in the loader's text of a gold source")
    if found and not any(stripped for _, stripped in found):
        problems.append(f"{where}: no gold answer is in the independent reading of a gold source")
    return problems


def _squeezed(text: str) -> str:
    return "".join(normalise(text).split())


def _check_unanswerable(row: dict, where: str, prefix: str, texts: dict[str, tuple[str, str]]) -> list[str]:
    problems = []
    if row.get("answers") or row.get("sources"):
        problems.append(f"{where}: an unanswerable question has no answers and no sources")
    if row.get("unanswerable") not in ("near-topic", "off-topic"):
        problems.append(f"{where}: unanswerable must be near-topic or off-topic")
    topic = row.get("topic_sources", [])
    problems += [f"{where}: unknown topic source {s}" for s in topic if prefix + s not in texts]
    if row.get("unanswerable") == "near-topic" and not topic:
        problems.append(f"{where}: a near-topic question names the on-topic page(s) in topic_sources")
    if not row.get("absent") and not row.get("absent_in_topic"):
        problems.append(f"{where}: name the strings an answer would need in absent or absent_in_topic")
    for term in row.get("absent", []):
        found = [key for key, pair in texts.items() if _mentions(pair[0], term) or _mentions(pair[1], term)]
        if found:
            problems.append(f"{where}: {term!r} occurs in {', '.join(found[:3])}: is it answerable after all?")
    for term in row.get("absent_in_topic", []):
        found = [s for s in topic if any(_mentions(t, term) for t in texts.get(prefix + s, ("", "")))]
        if found:
            problems.append(f"{where}: {term!r} occurs in topic source {', '.join(found)}: is it answerable after all?")
    return problems


def assign_splits(rows: list[dict], seed: int = DEV_SPLIT_SEED) -> dict[str, str]:
    """id -> ``tune`` or ``heldout``: a seeded shuffle, stratified by corpus and answerability, half and half.

    Strata are taken in sorted order (corpus, then unanswerable before answerable); within each, the ids in
    file order are shuffled by one ``random.Random(seed)`` and the first half goes to ``tune``. A stratum of
    odd size gives its extra question alternately to ``tune`` and ``heldout``. This was run ONCE, when the
    set was written (``python bench/corpus.py --assign-splits``), and the result is stored in the file:
    questions added later get a split of their own and never move the existing ones.
    """
    rng = random.Random(seed)
    strata: dict[tuple[str, bool], list[str]] = {}
    for row in rows:
        strata.setdefault((row["corpus"], bool(row["answerable"])), []).append(row["id"])
    splits: dict[str, str] = {}
    extra_to_tune = True
    for key in sorted(strata):
        ids = list(strata[key])
        rng.shuffle(ids)
        half = len(ids) // 2
        if len(ids) % 2:
            half += extra_to_tune
            extra_to_tune = not extra_to_tune
        splits.update((qid, "tune" if position < half else "heldout") for position, qid in enumerate(ids))
    return splits


def write_splits(qs: QuestionSet = DEV) -> int:
    """Give every question of the set that has no split one (``assign_splits`` over those questions only); return how many."""
    rows = read_jsonl(qs.questions.name)
    pending = [row for row in rows if row.get("split") not in ("tune", "heldout")]
    if pending:
        splits = assign_splits(pending)
        for row in pending:
            row["split"] = splits[row["id"]]
        qs.questions.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), "utf-8")
    return len(pending)


def dev_summary(rows: list[dict]) -> list[str]:
    """Question counts by corpus, split, answerability and kind, for the module's check."""
    lines = []
    for key in ("corpus", "split", "kind"):
        counts: dict[str, list[int]] = {}
        for row in rows:
            counts.setdefault(str(row.get(key, "(none)")), [0, 0])[0 if row.get("answerable") else 1] += 1
        lines.append(f"by {key}: " + ", ".join(f"{k} {a}+{u}" for k, (a, u) in sorted(counts.items())))
    near = sum(row.get("unanswerable") == "near-topic" for row in rows)
    off = sum(row.get("unanswerable") == "off-topic" for row in rows)
    lines.append(f"unanswerable: {near} near-topic, {off} off-topic (counts above are answerable+unanswerable)")
    return lines


def main(argv: list[str] | None = None) -> None:
    """Check the question sets: ``python bench/corpus.py [--dev] [--encyclopedia] [--manual] [--sqlite] [--bash] [--pdfs]
    [--tools] [--servers] [--wiki] [--live] [--jargon] [--postfix] [--zsh] [--pip] [--doxygen] [--rustbook] [--faq]``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--dev", action="store_true", help="verify bench/data/dev_qa.jsonl against the dev corpora")
    parser.add_argument(
        "--encyclopedia", action="store_true", help="verify bench/data/encyclopedia_qa.jsonl against FOLDOC's entries"
    )
    parser.add_argument(
        "--manual", action="store_true", help="verify bench/data/manual_qa.jsonl against the whole Debian Handbook"
    )
    parser.add_argument("--sqlite", action="store_true", help="verify bench/data/sqlite_qa.jsonl against 32 SQLite pages")
    parser.add_argument("--bash", action="store_true", help="verify bench/data/bash_qa.jsonl against the Bash reference")
    parser.add_argument("--pdfs", action="store_true", help="verify bench/data/pdf_qa.jsonl against two compressed PDFs")
    parser.add_argument(
        "--tools", action="store_true", help="verify bench/data/tools_qa.jsonl against Valgrind's and Node.js's manuals"
    )
    parser.add_argument(
        "--servers", action="store_true", help="verify bench/data/servers_qa.jsonl against Apache's and git's manuals"
    )
    parser.add_argument("--wiki", action="store_true", help="verify bench/data/wiki_qa.jsonl against 106 Wikipedia articles")
    parser.add_argument("--live", action="store_true", help="verify bench/data/live_qa.jsonl against the Live Systems Manual")
    parser.add_argument("--jargon", action="store_true", help="verify bench/data/jargon_qa.jsonl against the Jargon File")
    parser.add_argument("--postfix", action="store_true", help="verify bench/data/postfix_qa.jsonl against Postfix's manual")
    parser.add_argument("--zsh", action="store_true", help="verify bench/data/zsh_qa.jsonl against the Z Shell Manual")
    parser.add_argument("--pip", action="store_true", help="verify bench/data/pip_qa.jsonl against pip's documentation")
    parser.add_argument("--doxygen", action="store_true", help="verify bench/data/doxygen_qa.jsonl against Doxygen's manual")
    parser.add_argument("--rustbook", action="store_true", help="verify bench/data/rustbook_qa.jsonl against the Rust book")
    parser.add_argument("--django", action="store_true", help="verify bench/data/django_qa.jsonl against Django's manual")
    parser.add_argument("--postgres", action="store_true", help="verify bench/data/postgres_qa.jsonl against PostgreSQL's manual")
    parser.add_argument("--manpages", action="store_true", help="verify bench/data/manpages_qa.jsonl against 61 manual pages")
    parser.add_argument("--info", action="store_true", help="verify bench/data/info_qa.jsonl against 8 GNU Info manuals")
    parser.add_argument("--tables", action="store_true", help="verify bench/data/tables_qa.jsonl: 2 tables, a sheet, a notebook")
    parser.add_argument("--assign-splits", action="store_true", help="give questions without a split one (run once)")
    parser.add_argument("--faq", action="store_true", help="print the Python FAQ questions")
    parser.add_argument("--requests", action="store_true", help="verify bench/data/requests_absent.jsonl: no page names one")
    args = parser.parse_args(argv)
    seeds = load_seeds()
    answerable = sum(q.answerable for q in seeds.questions)
    print(f"seeds: {answerable} answerable, {len(seeds.questions) - answerable} unanswerable; gold answers verified")
    for qs in QUESTION_SETS.values():
        if args.assign_splits:
            print(f"{qs.name}: assigned a split to {write_splits(qs)} question(s)")
        if args.assign_splits or getattr(args, qs.name):
            check_question_set(qs)
    if args.requests:
        check_absent_requests()
    if args.faq:
        faq = build_faq()
        print(f"python-faq: {'; '.join(faq.notes)}; corpus at {faq.docs_dir}")
        texts = faq.texts()
        for q in faq.questions:
            assert q.span is not None
            print(json.dumps({**asdict(q), "body_chars": len(texts[q.sources[0]][q.span[0] : q.span[1]])})[:300])


def check_absent_requests(name: str = "requests_absent.jsonl") -> None:
    """Every request about an absent subject: none of its ``absent`` strings in any page of its set, read by the loader or
    not, case-insensitive (else it could be answered); exit 1 on a problem."""
    rows = read_jsonl(name)
    problems = []
    for set_name in sorted({row["set"] for row in rows}):
        texts = [read.casefold() for pair in dev_texts(QUESTION_SETS[set_name]).values() for read in pair]
        for row in (row for row in rows if row["set"] == set_name):
            found = [term for term in row["absent"] if any(term.casefold() in text for text in texts)]
            problems += [f"{row['id']} ({set_name}): {term!r} is in a page" for term in found]
    print("\n".join(problems) if problems else f"{name}: {len(rows)} requests, no page names their subjects")
    if problems:
        raise SystemExit(1)


def check_question_set(qs: QuestionSet) -> None:
    """Print the set's corpora and counts, run every check of ``verify_dev``; exit 1 on a problem."""
    rows = read_jsonl(qs.questions.name)
    print(f"{qs.name}: {len(rows)} questions; corpus copied to {build_dev_corpus(qs)}")
    print("\n".join(f"  {c.name}: {c.package}, {len(c.paths())} files under {c.root}: {c.kind}" for c in qs.corpora))
    print("\n".join("  " + line for line in dev_summary(rows)))
    problems = verify_dev(rows, dev_texts(qs), qs)
    print("\n".join(problems) if problems else f"{qs.name}: every check passed")
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
