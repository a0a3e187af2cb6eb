"""The chunk node format: what each chunk stores (text, offsets, metadata) and what is embedded and keyword-indexed for it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from llama_index.core.schema import MetadataMode, NodeRelationship, RelatedNodeInfo, TextNode

from index import loader
from index.chunker import Chunk, chunk_text
from index.embedder import Embedder
from index.loader import LoadedDocument
from index.text import TERM, code_terms

SECTION_SEPARATOR = " > "
# A section path is shown on source cards and embedded before the chunk text, so it is kept short:
# the innermost headings that fit. In the Debian Handbook's HTML (1,029 sections) a whole path is 24
# all-MiniLM tokens at the median and 36 at p90; 32 keeps 84 % of them whole, and the rest lose only
# outer headings ("9. Unix Services > 9.7. Scheduling Tasks with cron and atd > 9.7.1. Format of a
# crontab File" is 31). Under the default 200-token chunks it costs the chunk text nothing (see NodeBuilder).
SECTION_TOKENS = 32
SECTION_CHARS = 200
# What embedding the section costs the chunk text: its tokens, and one for the line break a
# tokenizer other than WordPiece may count.
SECTION_RESERVE = SECTION_TOKENS + 1


def section_label(path: Sequence[str], count_tokens: Callable[[str], int]) -> str:
    """``path`` joined by " > ", as many innermost headings as fit SECTION_TOKENS and SECTION_CHARS; "" for none.

    An innermost heading too long on its own is cut, with "…", to fit.
    """
    kept: list[str] = []
    for heading in reversed(path):
        label = SECTION_SEPARATOR.join([heading, *kept])
        if len(label) > SECTION_CHARS or count_tokens(label) > SECTION_TOKENS:
            break
        kept.insert(0, heading)
    if kept or not path:
        return SECTION_SEPARATOR.join(kept)
    heading = path[-1][:SECTION_CHARS]
    # The longest beginning that fits: a bisection over its length, a few counts of short text.
    short, long = 0, len(heading)
    while long - short > 1:
        middle = (short + long) // 2
        if count_tokens(heading[:middle].rstrip() + "…") <= SECTION_TOKENS:
            short = middle
        else:
            long = middle
    return heading[:short].rstrip() + "…"


def make_node(
    source: str,
    content_hash: str,
    title: str,
    chunk: Chunk,
    chunk_count: int,
    *,
    page: int | None = None,
    section: str = "",
    code: str = "",
    record: bool = False,
) -> TextNode:
    """The node of one chunk, as the index stores it: its text, offsets, metadata and the loader version that read it.

    Its embedded text (``embedded_text``) is the section, a line break and the chunk text; the stored
    text, which quotes and highlights read, is the chunk text alone. ``code``: the words of the chunk its
    document marks as inline code, space-separated (stored, never embedded). ``record``: the chunk is a record its
    document marks to be read alone (a table's row, ``LoadedDocument.breaks``), whose section is all it says it is about.
    """
    node = TextNode(
        id_=f"{source}@{content_hash[:16]}#{chunk.index}",
        text=chunk.text,
        start_char_idx=chunk.start,
        end_char_idx=chunk.end,
        metadata={
            "source": source,
            "title": title,
            "doc_hash": content_hash,
            "loader": loader.LOADER_VERSION,
            "chunk_index": chunk.index,
            "chunk_count": chunk_count,
            "start_char": chunk.start,
            "end_char": chunk.end,
            "page": page if page is not None else 0,
            "section": section,
            "code": code,
            "record": record,
        },
        # llama-index's own templates put the section (the one metadata value embedded) before the text.
        metadata_template="{value}",
        text_template="{metadata_str}\n{content}",
    )
    node.excluded_embed_metadata_keys = [key for key in node.metadata if key != "section"]
    node.excluded_llm_metadata_keys = list(node.metadata)
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=source)
    return node


def embedded_text(node: TextNode) -> str:
    """What the embedding model reads for ``node``: its section, if any, then its text."""
    return node.get_content(MetadataMode.EMBED)


def keyword_row(node: TextNode) -> tuple[str, str, str, str, str]:
    """The ``KeywordIndex`` row of ``node``: (chunk_id, source, doc_hash, text, section)."""
    meta = node.metadata
    return (node.node_id, str(meta["source"]), str(meta["doc_hash"]), node.text, str(meta.get("section", "")))


def effective_chunk_tokens(embedder: Embedder, configured: int) -> int:
    """The chunk size cap: the configured size, never more than the model reads (less its special tokens)."""
    return max(16, min(configured, embedder.max_tokens - 2))


class NodeBuilder:
    """Cuts a loaded document into the nodes the index stores: whole-sentence chunks that fit the model, each with its section.

    Args:
        embedder: the embedding model, whose tokenizer counts and whose window bounds each chunk.
        chunk_tokens: the configured chunk size cap, in model tokens.
        overlap_sentences: sentences shared by consecutive chunks.

    Example:
        >>> builder = NodeBuilder(embedder, chunk_tokens=200, overlap_sentences=1)
        >>> nodes = builder.build("guide.md", content_hash, load(Path("docs/guide.md")))
        >>> nodes[0].node_id, nodes[0].metadata["chunk_count"] == len(nodes)
        ('guide.md@3f2a9c0d1e4b5a6f#0', True)
    """

    def __init__(self, embedder: Embedder, chunk_tokens: int, overlap_sentences: int) -> None:
        self.embedder = embedder
        self.max_tokens = effective_chunk_tokens(embedder, chunk_tokens)
        self.overlap_sentences = overlap_sentences

    def build(self, source: str, content_hash: str, document: LoadedDocument) -> list[TextNode]:
        """The nodes of ``document``, read from the file ``source`` whose content hashes to ``content_hash``."""
        count = self.embedder.count_tokens
        budget = self.max_tokens
        if document.sections:
            # The section is embedded before each chunk's text: keep room for it in the model's window.
            budget = min(budget, max(16, self.embedder.max_tokens - 2 - SECTION_RESERVE))
        breaks = [offset for section in document.sections for offset in (section.start, section.end)] + document.breaks
        chunks = chunk_text(document.text, count, budget, self.overlap_sentences, breaks, self.embedder.batch_tokenizer())
        labels: dict[tuple[str, ...], str] = {}
        records = set(document.breaks)
        code = code_terms(document.code, document.text)
        nodes = []
        for chunk in chunks:
            path_at = document.heading_path_at(chunk.start)
            if path_at not in labels:
                labels[path_at] = section_label(path_at, count)
            nodes.append(
                make_node(
                    source,
                    content_hash,
                    document.title,
                    chunk,
                    len(chunks),
                    page=document.page_at(chunk.start),
                    section=labels[path_at],
                    code=_code_in(chunk.text, code),
                    record=chunk.start in records,
                )
            )
        return nodes


def _code_in(text: str, code: frozenset[str]) -> str:
    """The document's code terms that ``text`` holds, space-separated (Chroma metadata holds no sets)."""
    if not code:
        return ""
    return " ".join(sorted({word.lower() for word in TERM.findall(text)} & code))
