"""The Wikipedia benchmark's corpus: English Wikipedia articles, from wikitext to Markdown (bench/corpus.py's ``WIKI``).

The articles come from a package registry, as everything here must: gensim's wheel on PyPI ships, for its own tests,
``enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2``, an export of 206 English Wikipedia pages (106
articles once redirects and other namespaces are left out: people, places, events, animals, ideas). The wheel is
fetched once with ``pip download`` into ``bench/.cache/wheels``; only that one member is read, and gensim is never
installed. Each article is written as ``<title slug>.md``: its title as the ``#`` heading, its sections as Markdown
headings of their level, and its wikitext reduced to its prose by mwparserfromhell (a maintained parser of MediaWiki
markup): references, image captions, tables and categories go; link texts stay. A template is expanded only where
its words are prose of the sentence it sits in (a measure, a date, a ship's name, a foreign word; ``_inline_template``): an
export holds no template definitions, and dropping these would leave "the recovery ship, ." where the article names
the ship. Every other template (infoboxes, citations, navigation) goes.
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


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip
# Words that join the two values of a range in {{convert}}: "{{convert|89|to|92|m}}" is "89 to 92 m".
_RANGE_WORDS = frozenset({"-", "–", "to", "and", "or", "by", "x", "×", "+/-", "to(-)", "and(-)"})
# Units whose written form differs from the name {{convert}} takes.
_UNITS = {"km2": "km²", "m2": "m²", "sqmi": "sq mi", "sqft": "sq ft", "C": "°C", "F": "°F", "e6acre": "million acres",
          "e3acre": "thousand acres", "e6km2": "million km²", "e6sqmi": "million sq mi"}  # fmt: skip
_SHIP_PREFIXES = frozenset({"uss", "hms", "ss", "hmas", "hmcs", "rms", "hmnzs", "ins", "usns", "uscgc", "sms", "ms"})


def _words(value: object) -> str:
    """A template parameter's value as plain text (its links reduced to their text)."""
    import mwparserfromhell

    return mwparserfromhell.parse(str(value)).strip_code(normalize=True, collapse=True).strip()


def _date(year: str, month: str = "", day: str = "") -> str:
    """``1932, 4, 4`` as "4 April 1932" (or "April 1932", "1932"): the words a date template shows."""
    if not month.strip().isdigit() or not 1 <= int(month) <= 12:
        return year.strip()
    named = _MONTHS[int(month) - 1]
    return f"{int(day)} {named} {year.strip()}" if day.strip().isdigit() else f"{named} {year.strip()}"


def _convert(values: list[str]) -> str:
    """{{convert|840|m|ft}} as "840 m", {{convert|1|to|3|km}} as "1 to 3 km": the value in the unit the text gives."""
    if len(values) >= 4 and values[1] in _RANGE_WORDS:
        joint = values[1].removesuffix("(-)")  # "and(-)" is shown as "and"
        dash = joint in ("-", "–")  # shown as "20–30 cm"
        amount, unit = f"{values[0]}–{values[2]}" if dash else f"{values[0]} {joint} {values[2]}", values[3]
    elif len(values) >= 2:
        amount, unit = values[0], values[1]
    else:
        return " ".join(values)
    return f"{amount} {_UNITS.get(unit, unit)}"


def _inline_template(template: object) -> str | None:
    """The words a template shows inside its sentence, or None when it is no prose (citations, boxes, navigation)."""
    name = _words(template.name).lower()  # type: ignore[attr-defined]
    values = [_words(p.value) for p in template.params if not p.showkey]  # type: ignore[attr-defined]
    named = {str(p.name).strip().lower(): _words(p.value) for p in template.params if p.showkey}  # type: ignore[attr-defined]
    if name in ("convert", "cvt"):
        return _convert(values)
    if name in ("lang", "transl") and values:  # {{lang|fr|mot}}: the last value is the text
        return values[-1]
    if name.startswith("lang-") and values:  # {{lang-sq|Shqipëria}}
        return values[0]
    if name in ("nowrap", "small", "smaller", "larger", "nobr", "nts", "vr", "keypress", "em", "strong", "abbr",
                "vanchor", "visible anchor", "flag", "flagcountry", "nihongo", "sic", "quote", "blockquote"):  # fmt: skip
        return named.get("text", named.get("name", values[0] if values else ""))
    if name in _SHIP_PREFIXES and values:  # {{USS|Hornet|CV-12}}
        return f"{name.upper()} {values[0]}"
    if name in ("ship", "sclass") and len(values) >= 2:  # {{ship|HMS|Ajax}}
        return f"{values[0]} {values[1]}"
    if name in ("birth date", "death date", "start date", "end date", "dts", "birth date and age", "death date and age"):
        return _date(*values[:3]) if values else ""
    if name == "as of" and values:
        return ("as of " if named.get("lc") else "As of ") + _date(*values[:3])
    if name in ("circa", "c.") and values:
        return f"c. {values[0]}"
    if name == "val" and values:
        return f"{values[0]} {named.get('u', named.get('ul', ''))}".strip()
    if name == "frac" and values:  # {{frac|2}} "1/2", {{frac|3|2}} "3/2", {{frac|1|1|2}} "1 1/2"
        whole, parts = (values[0], values[1:3]) if len(values) >= 3 else ("", values if len(values) == 2 else ["1", *values])
        return f"{whole} {'/'.join(parts)}".strip()
    if name == "chem":
        return "".join(values)
    return {"'s": "'s", "nbsp": " ", "ndash": "–", "mdash": "—", "spaced ndash": " – ", "·": " · ", "!": "|",
            "pipe": "|"}.get(name)  # fmt: skip


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
    # Innermost first, so that a template inside another is already its words when the outer one is read.
    for template in reversed(code.filter_templates(recursive=True)):
        shown = _inline_template(template)
        with contextlib.suppress(ValueError):  # inside a node already removed
            if shown:
                code.replace(template, Text(shown))
            else:
                code.remove(template)
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
        # Bump the version ("wiki-v2") when ``write_articles`` changes what it writes, so that the cached files are rewritten.
        digest = hashlib.sha256(b"wiki-v2" + hashlib.sha256(export).digest()).hexdigest()[:16]
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
