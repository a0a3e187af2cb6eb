"""Heading sections: chunks never cross one, carry its path, are found by its words, show it; loader changes re-index.

Nothing here hangs on how the real model ranks or counts, so the fake embedder stands in for it
(tests/test_chunking.py holds chunks to the real model's window).
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polling import finishes

from assistant import Answer
from assistant.citations import CitationBook
from assistant.retrieval import Retriever, SearchOptions
from index import IndexSettings, KeywordIndex, build_indexer
from index.chunker import chunk_text
from index.library import OpenedDocument
from index.loader import LOADER_VERSION, load
from index.nodes import SECTION_RESERVE, SECTION_TOKENS, NodeBuilder, section_label
from ui.render import render_sources
from ui.viewer import render_document

PROPERTY = settings(max_examples=200, deadline=None, database=None)  # no example database written into the repo

# Two top-level sections, the first with a subsection; "zeppelin" and "ballonet" appear only in headings.
BODY_A = " ".join(f"The airship number {i} was inspected at dawn by crew {i % 4}." for i in range(12))
BODY_B = " ".join(f"Gas cells of hull {i} were weighed after the flight." for i in range(6))
BODY_C = " ".join(f"The harbour crane {i} loaded crates of tea onto the barge." for i in range(10))
HTML = f"""<html><head><title>Airfield manual</title></head><body>
<h1>Zeppelin upkeep</h1><p>{BODY_A}</p>
<h2>Ballonet checks &lt;script&gt;</h2><p>{BODY_B}</p>
<h1>Harbour logistics</h1><p>{BODY_C}</p>
</body></html>"""


def words(text: str) -> int:
    return len(text.split())


def heading_free(text: str) -> bool:
    return not re.search(r"zeppelin|ballonet", text, re.IGNORECASE)


@pytest.fixture
def manual(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "manual.html").write_text(HTML, encoding="utf-8")
    return docs


@pytest.fixture
def small_chunks(tmp_path: Path, manual: Path, fake_embedder):  # type: ignore[no-untyped-def]
    """An index of the manual in 40-token chunks, so each section holds several."""
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data", chunk_tokens=40), embedder=fake_embedder)
    report = indexer.sync(manual)
    assert report.added == ["manual.html"] and report.failed == []
    return indexer


def stored(indexer) -> list[tuple[str, str, dict, np.ndarray]]:  # type: ignore[no-untyped-def]
    found = indexer.store.collection.get(include=["documents", "metadatas", "embeddings"])
    rows = zip(found["ids"], found["documents"], found["metadatas"], found["embeddings"], strict=True)
    return sorted(rows, key=lambda row: row[2]["chunk_index"])


# --------------------------------------------------------------------------- the chunker


def test_no_chunk_runs_across_a_break_and_overlap_stays_inside_a_part() -> None:
    text = " ".join(f"Sentence {i} is here." for i in range(40))
    breaks = [text.index("Sentence 10 "), text.index("Sentence 25 ")]
    chunks = chunk_text(text, words, max_tokens=16, overlap_sentences=1, breaks=breaks)
    for chunk in chunks:
        assert not any(chunk.start < b < chunk.end for b in breaks), chunk
    starts = [chunk.start for chunk in chunks]
    assert all(b in starts for b in breaks)  # a new part always begins a new chunk
    # Within a part consecutive chunks still share a sentence; across a break they share nothing.
    before = [c for c in chunks if c.end <= breaks[0]]
    assert len(before) > 1 and all(a.end > b.start for a, b in itertools.pairwise(before))
    last_before, first_after = before[-1], next(c for c in chunks if c.start == breaks[0])
    assert last_before.end <= first_after.start
    # Without breaks the chunking is what it always was.
    assert chunk_text(text, words, 16, 1, breaks=()) == chunk_text(text, words, 16, 1)


def test_a_break_inside_a_sentence_cuts_it_and_odd_breaks_are_ignored() -> None:
    text = "Preface text here. Outline entry points mid sentence here. Tail."
    cut = text.index("mid")
    chunks = chunk_text(text, words, max_tokens=50, overlap_sentences=1, breaks=[cut, cut, -5, 10_000, 0, len(text)])
    assert [c.text for c in chunks] == ["Preface text here. Outline entry points", "mid sentence here. Tail."]


SENTENCES = st.lists(st.sampled_from(["Alpha beta.", "Gamma delta epsilon!", "Zeta?", "Eta theta iota kappa.", "\n\n", "x"]))


@PROPERTY
@given(SENTENCES, st.lists(st.integers(-3, 400), max_size=8), st.integers(1, 12), st.integers(0, 2))
def test_chunks_lose_nothing_and_stay_inside_their_part(pieces: list[str], breaks: list[int], limit: int, overlap: int) -> None:
    text = " ".join(pieces)
    chunks = chunk_text(text, words, limit, overlap, breaks)
    inside = sorted(b for b in set(breaks) if 0 < b < len(text))
    covered = [False] * len(text)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text and words(chunk.text) <= limit
        assert not any(chunk.start < b < chunk.end for b in inside)
        for i in range(chunk.start, chunk.end):
            covered[i] = True
    assert all(covered[i] or text[i].isspace() for i in range(len(text)))


def test_many_breaks_stay_linear() -> None:
    text = " ".join(f"Sentence {i} of a long manual." for i in range(35_000))  # about 1 MB
    breaks = list(range(0, len(text), 97))

    def work() -> None:
        chunks = chunk_text(text, words, 200, 1, breaks)
        assert len(chunks) > len(breaks) / 2

    # Linear work takes about a second even on a busy machine; quadratic in 10k breaks would take many minutes.
    finishes(work, 120, "chunking 1 MB with 10k breaks")


# --------------------------------------------------------------------------- section labels


def test_section_label_keeps_the_innermost_headings_that_fit() -> None:
    assert section_label((), words) == ""
    assert section_label(("Part", "Chapter", "Section"), words) == "Part > Chapter > Section"
    long_outer = ("word " * (SECTION_TOKENS - 2), "Chapter", "Section")
    assert section_label(long_outer, words) == "Chapter > Section"
    assert section_label(("x" * 150, "y" * 150), words) == "y" * 150  # both together pass SECTION_CHARS
    cut = section_label(("Outer", " ".join(f"w{i}" for i in range(100))), words)
    assert cut.startswith("w0 w1 ") and cut.endswith("…") and words(cut) <= SECTION_TOKENS


# --------------------------------------------------------------------------- sync: sections in chunks


def test_every_chunk_carries_its_section_and_none_spans_two(small_chunks, manual: Path) -> None:  # type: ignore[no-untyped-def]
    document = load(manual / "manual.html")
    starts = [section.start for section in document.sections]
    rows = stored(small_chunks)
    assert len(rows) > 6
    sections = set()
    for _, text, meta, _ in rows:
        assert meta["loader"] == LOADER_VERSION
        assert meta["section"] == " > ".join(document.heading_path_at(meta["start_char"]))
        assert not any(meta["start_char"] < start < meta["end_char"] for start in starts)
        # The stored text is the chunk's own text: quotes and offsets never see the section.
        assert text == document.text[meta["start_char"] : meta["end_char"]]
        sections.add(meta["section"])
    assert sections == {"Zeppelin upkeep", "Zeppelin upkeep > Ballonet checks <script>", "Harbour logistics"}


def test_the_embedded_text_is_the_section_then_the_chunk(small_chunks, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    for _, text, meta, vector in stored(small_chunks):
        expected = fake_embedder.encode([f"{meta['section']}\n{text}"])[0]
        assert float(np.dot(vector, expected)) > 0.9999
    # And not the text alone, for a chunk whose text does not mention its heading.
    _, text, meta, vector = next(row for row in stored(small_chunks) if heading_free(row[1]))
    assert float(np.dot(vector, fake_embedder.encode([text])[0])) < 0.999


def test_a_word_only_in_a_heading_finds_the_chunks_under_it(small_chunks) -> None:  # type: ignore[no-untyped-def]
    rows = stored(small_chunks)
    under = {chunk_id for chunk_id, _, meta, _ in rows if meta["section"].startswith("Zeppelin")}
    assert any(heading_free(text) for chunk_id, text, _, _ in rows if chunk_id in under)
    assert {hit.chunk_id for hit in small_chunks.keywords.search("zeppelin", 50)} == under
    ballonet = {chunk_id for chunk_id, _, meta, _ in rows if "Ballonet" in meta["section"]}
    assert {hit.chunk_id for hit in small_chunks.keywords.search("ballonet", 50)} == ballonet


def test_the_section_never_pushes_a_chunk_past_the_model_window(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    docs.mkdir()
    long_heading = " ".join(f"heading{i}" for i in range(60))
    body = " ".join(f"Sentence {i} describes the procedure in some detail for the reader." for i in range(80))
    (docs / "long.md").write_text(f"# {long_heading}\n\n## Second level\n\n{body}\n", encoding="utf-8")
    (docs / "plain.txt").write_text(body, encoding="utf-8")
    indexer = build_indexer(IndexSettings(data_dir=tmp_path / "data", chunk_tokens=10_000), embedder=fake_embedder)
    indexer.sync(docs)
    window = fake_embedder.max_tokens - 2
    longest = {"long.md": 0, "plain.txt": 0}
    for _, text, meta, _ in stored(indexer):
        embedded = f"{meta['section']}\n{text}" if meta["section"] else text
        assert fake_embedder.count_tokens(embedded) <= window
        assert fake_embedder.count_tokens(meta["section"]) <= SECTION_TOKENS
        longest[meta["source"]] = max(longest[meta["source"]], fake_embedder.count_tokens(text))
    # Room is kept only where there is a section to embed: plain text still fills the window.
    assert longest["long.md"] <= window - SECTION_RESERVE < longest["plain.txt"]


# --------------------------------------------------------------------------- sync: loader versions


def test_a_new_loader_version_re_indexes_every_document_once(indexer_factory, docs: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    indexer = indexer_factory()
    first = indexer.sync(docs)
    counts = indexer.keywords.counts()
    monkeypatch.setattr("index.loader.LOADER_VERSION", "999")
    dry = indexer.sync(docs, dry_run=True)
    assert sorted(dry.updated) == sorted(first.added) and dry.embedded == 0
    vectors = _vectors_by_id(indexer)
    second = indexer.sync(docs)
    assert sorted(second.updated) == sorted(first.added) and second.added == second.unchanged == second.deleted == []
    # Every chunk came out with the section and text it had: re-chunked and re-stored under the new version, but
    # embedded by no one (their stored vectors are reused, and equal).
    assert (second.embedded, second.reused) == (0, first.chunks) and second.chunks == indexer.store.count()
    after = _vectors_by_id(indexer)  # a chunk's id holds its source, content hash and index: the same chunks'
    assert after.keys() == vectors.keys() and all(np.allclose(after[k], vectors[k], atol=1e-6) for k in after)
    assert {meta["loader"] for _, meta in indexer.store.iter_metadatas()} == {"999"}
    assert indexer.keywords.counts() == counts
    third = indexer.sync(docs)
    assert (len(third.unchanged), third.embedded, third.updated) == (len(first.added), 0, [])


def _vectors_by_id(indexer) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    found = indexer.store.collection.get(include=["embeddings"])
    return {chunk_id: np.asarray(vector) for chunk_id, vector in zip(found["ids"], found["embeddings"], strict=True)}


def test_chunks_from_before_loader_versions_count_as_an_older_version(indexer_factory, docs: Path) -> None:  # type: ignore[no-untyped-def]
    indexer = indexer_factory()
    first = indexer.sync(docs)
    # Rewrite every chunk as an index from before this change stored it: no "loader" key.
    found = indexer.store.collection.get(include=["documents", "metadatas", "embeddings"])
    indexer.store.collection.delete(ids=found["ids"])
    old = [{k: v for k, v in meta.items() if k != "loader"} for meta in found["metadatas"]]
    indexer.store.collection.add(ids=found["ids"], documents=found["documents"], metadatas=old, embeddings=found["embeddings"])
    assert all("loader" not in meta for _, meta in indexer.store.iter_metadatas())
    second = indexer.sync(docs)
    assert sorted(second.updated) == sorted(first.added) and second.reused == first.chunks == indexer.store.count()
    assert second.embedded == 0 and indexer.sync(docs).embedded == 0


def test_a_chunk_under_a_new_section_is_embedded_again(indexer_factory, docs: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    indexer = indexer_factory()
    first = indexer.sync(docs)
    # Every chunk keeps its text and gets another section: what is embedded (section, then text) changed everywhere.
    real = NodeBuilder.build

    def renamed(self, source, content_hash, document):  # type: ignore[no-untyped-def]
        nodes = real(self, source, content_hash, document)
        for node in nodes:
            node.metadata["section"] = f"Renamed > {node.metadata['section']}"
        return nodes

    monkeypatch.setattr(NodeBuilder, "build", renamed)
    monkeypatch.setattr("index.loader.LOADER_VERSION", "999")
    second = indexer.sync(docs)
    assert (second.embedded, second.reused) == (first.chunks, 0)


@pytest.fixture
def indexer_factory(tmp_path: Path, fake_embedder):  # type: ignore[no-untyped-def]
    return lambda: build_indexer(IndexSettings(data_dir=tmp_path / "data"), embedder=fake_embedder)


# --------------------------------------------------------------------------- the keyword index


def test_section_words_score_as_if_written_before_the_text(tmp_path: Path) -> None:
    rows = [(f"c{i}", "d.html", "h", f"body words {i} crane tea " * (i % 3 + 1), f"Heading {i % 4} crane") for i in range(40)]
    split = KeywordIndex(tmp_path / "split.sqlite")
    split.add(rows)
    joined = KeywordIndex(tmp_path / "joined.sqlite")
    joined.add([(chunk_id, source, h, f"{section}\n{text}") for chunk_id, source, h, text, section in rows])
    for query in ["crane", "heading tea", "body 3 crane", "heading 2"]:
        expected = {hit.chunk_id: hit.score for hit in joined.search(query, 40)}
        got = {hit.chunk_id: hit.score for hit in split.search(query, 40)}
        assert got.keys() == expected.keys() and all(got[k] == pytest.approx(expected[k]) for k in got)


def test_a_keyword_index_from_before_sections_is_migrated_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute(  # the schema before sections
        "CREATE VIRTUAL TABLE chunks USING fts5("
        "chunk_id UNINDEXED, source UNINDEXED, doc_hash UNINDEXED, text, tokenize='porter unicode61')"
    )
    db.execute("INSERT INTO chunks VALUES ('a#0', 'a.txt', 'h', 'The crane lifted tea.')")
    db.commit()
    db.close()
    keywords = KeywordIndex(path)
    assert keywords.counts() == {("a.txt", "h"): 1}
    assert [hit.chunk_id for hit in keywords.search("crane", 5)] == ["a#0"]
    keywords.add([("b#0", "b.html", "h2", "Gas cells were weighed.", "Zeppelin upkeep")])
    assert [hit.chunk_id for hit in keywords.search("zeppelin", 5)] == ["b#0"]
    keywords.close()
    reopened = KeywordIndex(path)  # a second open finds the column and leaves the rows alone
    assert reopened.counts() == {("a.txt", "h"): 1, ("b.html", "h2"): 1}
    reopened.close()


# --------------------------------------------------------------------------- shown: passages, citations, cards, viewer


def test_passages_and_citations_carry_the_section(small_chunks, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    retriever = Retriever(small_chunks.store, small_chunks.keywords, fake_embedder, reranker=None)
    retrieval = retriever.search("ballonet", SearchOptions(mode="keyword"))
    passage = retrieval.passages[0]
    assert passage.section == "Zeppelin upkeep > Ballonet checks <script>"
    book = CitationBook()
    book.cite(passage, (0, 4))
    data = book.citations()[0].to_json()
    old_keys = {"n", "source", "title", "text", "quote", "score", "page", "highlights", "chunk_id", "start_char"}
    assert old_keys < data.keys() and data["section"] == passage.section


def test_the_source_card_shows_the_section_escaped_above_the_quote(small_chunks, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    retriever = Retriever(small_chunks.store, small_chunks.keywords, fake_embedder, reranker=None)
    book = CitationBook()
    book.cite(retriever.search("ballonet", SearchOptions(mode="keyword")).passages[0], (0, 4))
    answer = Answer(question="q", query="q", refused=False, backend="extractive", citations=book.citations(), retrieval=None)
    card = render_sources(answer)
    shown = "Zeppelin upkeep &gt; Ballonet checks &lt;script&gt;"
    assert shown in card and "<script>" not in card
    assert card.index(shown) < card.index("<blockquote")


def test_the_viewer_shows_headings_and_the_cited_section(manual: Path) -> None:
    document = load(manual / "manual.html")
    start = document.text.index("Gas cells of hull 2")
    opened = OpenedDocument(source="manual.html", path=manual / "manual.html", loaded=document, current=True)
    page = render_document(opened, {"chunk": [(start, start + 40)], "mark": []})
    assert "Cited passage under: Zeppelin upkeep &gt; Ballonet checks &lt;script&gt;</p>" in page
    assert "<span class='heading l1' role='heading' aria-level='1'>Zeppelin upkeep</span>" in page
    assert "<span class='heading l2' role='heading' aria-level='2'>Ballonet checks &lt;script&gt;</span>" in page
    assert "<script>" not in page
    # Only the three headings are styled, and no text is lost to the markup.
    assert page.count("role='heading'") == 3
    assert re.sub(r"<[^>]+>", "", page.split("<div class='text'>")[1]).count("airship number") == 12


def test_a_tables_rows_are_chunked_one_by_one_under_the_files_name(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    # Ten rows fit one chunk of prose; the cross-encoder scores a row read alone far above the ten read as one
    # ("What is the area of France?": 2.7 against -5.1), so each row is a record chunked alone.
    table = tmp_path / "countries.csv"
    table.write_text("country,area km2\n" + "".join(f"Country{n},{1000 + n}\n" for n in range(10)), encoding="utf-8")
    document = load(table)
    nodes = NodeBuilder(fake_embedder, chunk_tokens=200, overlap_sentences=1).build("countries.csv", "0" * 64, document)
    assert [node.text for node in nodes] == [f"country: Country{n} | area km2: {1000 + n}" for n in range(10)]
    assert {node.metadata["section"] for node in nodes} == {"countries"}
