"""The batched chunking path: measured from one tokenizer pass, checked by exact counts, same chunks on real text."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pytest
from browser_support import SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st
from polling import finishes

from index.chunker import chunk_text
from index.loader import load

PIECES = [
    "word ",
    "Word. ",
    "!",
    "-",
    "12,345.67,",
    "中文字符",
    "。",
    "عربي ",
    "😀",
    "\u200b",
    "\n\n",
    "supercalifragilistic",
    " ",
]
TEXT = st.lists(st.tuples(st.sampled_from(PIECES), st.integers(1, 120)), max_size=10).map(
    lambda runs: "".join(p * n for p, n in runs)
)
PROPERTY = settings(max_examples=150, deadline=None, database=None)


@pytest.fixture(scope="module")
def batch(embedder):  # type: ignore[no-untyped-def]
    tokenizer = embedder.batch_tokenizer()
    assert tokenizer is not None, "all-MiniLM-L6-v2 ships a fast tokenizer"
    return tokenizer


def test_token_ends_agree_with_the_model_count(embedder, batch) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt")))
    ends = batch.token_ends(text)
    assert ends == sorted(ends) and 0 < ends[-1] <= len(text)
    # Slices are cut at spaces, so the whole-text pass counts what the model counts.
    assert len(ends) == embedder.count_tokens(text)
    assert batch.count_many(["", "Hello world", text[:500]]) == [0, 2, embedder.count_tokens(text[:500])]


@PROPERTY
@given(TEXT, st.integers(20, 120), st.integers(0, 2))
def test_batched_chunks_cover_the_text_within_the_window(embedder, batch, text: str, limit: int, overlap: int) -> None:  # type: ignore[no-untyped-def]
    chunks = chunk_text(text, embedder.count_tokens, limit, overlap, batch=batch)
    covered = bytearray(len(text))
    for i, chunk in enumerate(chunks):
        assert chunk.index == i and chunk.text == text[chunk.start : chunk.end]
        assert embedder.count_tokens(chunk.text) <= limit
        if i:
            assert chunks[i - 1].start < chunk.start
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
    assert all(covered[i] or c.isspace() for i, c in enumerate(text))


def test_batched_chunks_equal_counted_chunks_on_the_seeds(embedder, batch) -> None:  # type: ignore[no-untyped-def]
    for path in sorted(SEEDS.glob("*.txt")):
        document = load(path)
        breaks = [offset for section in document.sections for offset in (section.start, section.end)]
        counted = chunk_text(document.text, embedder.count_tokens, 254, 1, breaks)
        assert chunk_text(document.text, embedder.count_tokens, 254, 1, breaks, batch=batch) == counted, path.name


class EdgeCounting:
    """A tokenizer that counts two more tokens for a text read on its own than inside a longer text.

    Like a tokenizer that marks where a text begins and ends: offsets from the whole text then
    understate every chunk a little, and only the exact count can tell.
    """

    def token_ends(self, text: str) -> list[int]:
        return [match.end() for match in re.finditer(r"\S+", text)]

    def count_many(self, texts: Sequence[str]) -> list[int]:
        return [alone(text) for text in texts]


def alone(text: str) -> int:
    return len(text.split()) + 2


def test_chunks_the_offsets_understate_are_rechunked_by_counting() -> None:
    text = " ".join(f"Sentence {i} has four words." for i in range(300))
    chunks = chunk_text(text, alone, 60, 1, batch=EdgeCounting())
    assert all(alone(chunk.text) <= 60 for chunk in chunks)
    # Packed by offsets alone, chunks hold 12 sentences (60 words) and count 62; re-chunked by counting
    # each sentence alone (7), they hold 8.
    assert max(len(chunk.text.split()) for chunk in chunks) == 40
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(chunk.text == text[chunk.start : chunk.end] for chunk in chunks)
    covered = {i for chunk in chunks for i in range(chunk.start, chunk.end)}
    assert all(i in covered or c.isspace() for i, c in enumerate(text))


@pytest.mark.parametrize("unit", ["!", "12,345.67,", "中文字符عربي😀\u200b", "word " * 7 + "end. "])
def test_batched_chunking_of_1_mb_finishes(embedder, batch, unit: str) -> None:  # type: ignore[no-untyped-def]
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]

    def work() -> None:
        chunks = chunk_text(text, embedder.count_tokens, embedder.max_tokens - 2, batch=batch)
        assert chunks and max(batch.count_many([c.text for c in chunks])) <= embedder.max_tokens - 2

    # A hang guard, not a speed claim: the work takes about a second; quadratic time would take minutes.
    finishes(work, 60, "batched chunking of 1 MB")


def test_texts_given_longest_first_embed_as_the_embedder_orders_them(embedder) -> None:  # type: ignore[no-untyped-def]
    # The sync cuts a long file's write batches from its chunks in ``longest_first`` order and says so (``presorted``):
    # each vector must stay its own text's, and equal the one a single call gives.
    texts = [f"Note {n}: " + "otters eat urchins " * (1 + n % 9) for n in range(150)]
    order = embedder.longest_first(texts)
    counts = [embedder.count_tokens(texts[i]) for i in order]
    assert counts == sorted(counts, reverse=True)
    whole = embedder.encode(texts)
    # Cut as the sync cuts (two model batches, then the rest): the same batches as the one call's.
    cut = np.concatenate([embedder.encode([texts[i] for i in order[s : s + 128]], presorted=True) for s in (0, 128)])
    assert np.allclose(cut, whole[order], atol=1e-5)
