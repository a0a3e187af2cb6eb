"""The Wikipedia benchmark's corpus: English Wikipedia articles, from wikitext to Markdown (bench/corpus.py's ``WIKI``).

The articles come from a package registry, as everything here must: gensim's wheel on PyPI ships, for its own tests,
``enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2``, an export of 206 English Wikipedia pages (106
articles once redirects and other namespaces are left out: people, places, events, animals, ideas). The wheel is
fetched once with ``pip download`` into ``bench/.cache/wheels``; only that one member is read, and gensim is never
installed. Each article is written as ``<title slug>.md``: its title as the ``#`` heading, its sections as Markdown
headings of their level, and its wikitext reduced to its prose by mwparserfromhell (a maintained parser of MediaWiki
markup): templates, references, image captions, tables and categories go; link texts stay.
"""

from __future__ import annotations

import bz2
import contextlib
import hashlib
import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bench.common import CACHE, file_stem

# The tags whose content is no prose of the article: footnotes, galleries, formulas, tables.
_DROPPED_TAGS = frozenset({"ref", "references", "gallery", "math", "table", "timeline"})
# A link to a file, an image or a category is page furniture: "[[File:x.jpg|thumb|A caption]]" would leave "thumb|...".
_FURNITURE_LINK = re.compile(r"\s*(?:file|image|media|category):", re.I)


def wikitext_to_markdown(title: str, wikitext: str) -> str:
    """An article's wikitext as Markdown: ``# title``, then its prose with each section's heading at its level."""
    import mwparserfromhell
    from mwparserfromhell.nodes import Tag, Text, Wikilink

    code = mwparserfromhell.parse(wikitext)
    for node in code.filter(recursive=True, forcetype=(Tag, Wikilink)):
        dropped = isinstance(node, Tag) and str(node.tag).strip().lower() in _DROPPED_TAGS
        if dropped or (isinstance(node, Wikilink) and _FURNITURE_LINK.match(str(node.title))):
            with contextlib.suppress(ValueError):  # inside a node already removed
                code.remove(node)
    for heading in code.filter_headings(recursive=False):
        words = mwparserfromhell.parse(heading.title).strip_code().strip()
        code.replace(heading, Text(f"{'#' * heading.level} {words}\n"))
    body = re.sub(r"\n{3,}", "\n\n", code.strip_code(normalize=True, collapse=True)).strip()
    return f"# {title}\n\n{body}\n"


def articles(export: bytes) -> list[tuple[str, str]]:
    """(title, wikitext) of every article of a MediaWiki XML export: no redirects, no page of another namespace."""
    found = []
    for _, element in ET.iterparse(io.BytesIO(export)):
        if not element.tag.endswith("}page"):
            continue
        namespace = element.tag[: -len("page")]
        title = element.findtext(f"{namespace}title") or ""
        text = element.findtext(f"{namespace}revision/{namespace}text") or ""
        element.clear()
        if ":" not in title and not text.lstrip().upper().startswith("#REDIRECT"):
            found.append((title, text))
    return found


@dataclass(frozen=True)
class WikiCorpus:
    """Wikipedia articles from a MediaWiki export inside a PyPI wheel, one Markdown file per article."""

    name: str
    requirement: str  # what ``pip download`` fetches: "gensim==4.4.0"
    member: str  # the export's path inside the wheel
    kind: str

    @property
    def package(self) -> str:
        return f"{self.requirement} (PyPI wheel, not installed)"

    @cached_property
    def root(self) -> Path:
        """The folder of generated article files (built once, cached by the export's bytes)."""
        from bench.corpus import cached_folder

        export = bz2.decompress(self._member_bytes())
        # Bump "wiki-v1" when ``write_articles`` changes what it writes, so that the cached files are rewritten.
        digest = hashlib.sha256(b"wiki-v1" + hashlib.sha256(export).digest()).hexdigest()[:16]
        return cached_folder(f"{self.name}-{digest}", lambda folder: self.write_articles(export, folder))

    def paths(self) -> list[Path]:
        return sorted(self.root.glob("*.md"))

    def write_articles(self, export: bytes, folder: Path) -> dict[str, int]:
        """Write every article of ``export`` into ``folder`` as ``<slug>.md``; return how many."""
        names: set[str] = set()
        for title, text in articles(export):
            name = file_stem(title, names, "article")
            (folder / f"{name}.md").write_text(wikitext_to_markdown(title, text), "utf-8")
        return {"files": len(names)}

    def _member_bytes(self) -> bytes:
        wheels = CACHE / "wheels"
        pattern = f"{self.requirement.split('==')[0]}-*.whl"
        found = sorted(wheels.glob(pattern))
        if not found:
            wheels.mkdir(parents=True, exist_ok=True)
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
            done = subprocess.run([*command, "-d", str(wheels), self.requirement], capture_output=True, text=True)
            found = sorted(wheels.glob(pattern))
            if done.returncode or not found:
                raise FileNotFoundError(
                    f"corpus {self.name!r}: could not download {self.requirement} from the package index: "
                    f"{done.stderr.strip()[-300:]}"
                )
        with zipfile.ZipFile(found[-1]) as wheel:
            return wheel.read(self.member)


WIKIPEDIA = WikiCorpus(
    name="wiki",
    requirement="gensim==4.4.0",
    member="gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2",
    kind="an encyclopedia: 106 English Wikipedia articles (people, places, events, animals, ideas) as Markdown",
)
