"""Manual pages: the troff sources Debian ships under /usr/share/man ("bash.1.gz", "sshd_config.5.gz"), read through
mandoc.

mandoc (https://mandoc.bsd.lv, Debian's ``mandoc`` package) parses both macro sets manual pages are written in,
man(7) and mdoc(7), and writes semantic HTML: a section (``.SH``) is a heading, a tagged paragraph (``.TP``,
``.Bl -tag``) a definition list whose term is the option or the file it describes, bold text a literal to type (a
command, an option, a file name) and italic text a placeholder. That HTML is read as any page is (``read_html``): each
option's description stays one paragraph under its term, lines wrapped in the source join, and the heading path reads
"bash - GNU Bourne-Again SHell > OPTIONS". Bold counts as code, as ``<code>`` does in HTML: it is how a manual page marks
a name written in lower case ("-e", "pipefail", "nullglob"). The running header and footer (the page's name and
section, its date) are page furniture and dropped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html import escape

from lxml import etree, html

from index.formats.html import read_html
from index.loader import LoadedDocument, LoadError

MANDOC = "mandoc"
# mandoc reads bash(1), 330 kB of troff, in 0.02 s; a page it takes longer than this on is refused, never waited for.
_TIMEOUT_S = 30
# A page that only points at another (".so man1/bzip2.1" for bzcat.1): Debian installs aliases so.
_LINK = re.compile(rb"\A(?:\s*(?:\.\\\"|'\\\")[^\n]*\n)*\s*\.so\s+(\S+)")
# What a manual page's source starts with, past its comments: a macro line (".TH", ".Dd", ".\\\"" ...).
_MACRO = re.compile(rb"^[.'][A-Za-z\\]", re.MULTILINE)
_SNIFF_BYTES = 4096


def read_man(data: bytes) -> LoadedDocument:
    """The text of a manual page's troff source, with its sections and the names it sets in bold."""
    if (link := _LINK.match(data[:_SNIFF_BYTES])) is not None:
        target = link.group(1).decode("utf-8", "replace")
        raise LoadError(f"a link to another manual page ({target}): that page is indexed instead, if present")
    if not _MACRO.search(data[:_SNIFF_BYTES]):
        raise LoadError("not a manual page: no troff macro (.TH, .SH, .Dd) in its first lines")
    if shutil.which(MANDOC) is None:
        raise LoadError("manual pages are read with mandoc, which is not installed (Debian: apt-get install mandoc)")
    try:
        # -O fragment: the page's content alone, no <html> document around it. mandoc exits with 2-4 for warnings and
        # errors in the source and still writes what it could read.
        done = subprocess.run(
            [MANDOC, "-T", "html", "-O", "fragment"], input=data, capture_output=True, timeout=_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise LoadError(f"mandoc took longer than {_TIMEOUT_S} s to read this page") from None
    if not done.stdout.strip():
        problem = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise LoadError(f"mandoc could not read this page: {problem[0] if problem else f'exit status {done.returncode}'}")
    return read_html(_as_page(done.stdout.decode("utf-8", "replace")))


def _as_page(fragment: str) -> str:
    """mandoc's HTML as a page: titled by its NAME line, sections one level under the title, bold as code, and without
    the running header and footer."""
    root = html.fragment_fromstring(fragment, create_parent="div", parser=html.HTMLParser(huge_tree=True))
    name = _page_name(root)
    for furniture in root.xpath(".//table[@class='head' or @class='foot'] | .//div[@class='foot']"):
        furniture.drop_tree()
    for heading in root.xpath(".//h1 | .//h2"):
        heading.tag = "h2" if heading.tag == "h1" else "h3"
    for bold in root.iter("b"):
        bold.tag = "code"
    title = _title(root) or name
    body = etree.tostring(root, encoding="unicode", method="html")
    escaped = escape(title)
    return f"<html><head><title>{escaped}</title></head><body><h1>{escaped}</h1>{body}</body></html>"


def _page_name(root: html.HtmlElement) -> str:
    """The page's name and section from its running header ("BASH(1)"), else ""."""
    found = root.xpath(".//td[@class='head-ltitle']")
    return " ".join(found[0].text_content().split()) if found else ""


def _title(root: html.HtmlElement) -> str:
    """The NAME section's line: "bash - GNU Bourne-Again SHell"; "" when the page has none."""
    for heading in root.iter("h2"):
        if " ".join(heading.text_content().split()).upper() == "NAME":
            following = heading.getnext()
            if following is not None:
                return " ".join(following.text_content().split())
    return ""
