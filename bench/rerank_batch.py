"""The cross-encoder scoring one pair per run against batches of 32 (the default), in one run, on the same questions.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/rerank_batch.py [--split tune]

The packaged cross-encoder is quantized dynamically: each run scales its int8 activations to the whole batch, so a
pair's score depends on the pairs beside it. Each development question is asked of the default assistant twice, its
reranker (passages and answer sentences alike) scoring one pair per run or 32, in alternating order so that the
machine's load falls on both alike. Reported: the medians of a whole answer's latency, and how far the scores and
answers of the two moved apart.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import latency_cells, load_average, machine_line, markdown_table, median, publish
from bench.eval import dev_assistant


def main() -> int:
    from assistant.rerank import OnnxCrossEncoder, packaged_model_dir

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="heldout", choices=["tune", "heldout"])
    args = parser.parse_args()
    machine = machine_line()  # the load average as the run starts
    assistant, questions = dev_assistant(args.split)
    name = assistant.extractive.reranker.name
    rerankers = {size: OnnxCrossEncoder(packaged_model_dir("reranker_en"), name, batch_size=size) for size in (1, 32)}
    times: dict[int, list[float]] = {1: [], 32: []}
    answers: dict[int, list[str]] = {1: [], 32: []}
    drift: list[float] = []
    for n, question in enumerate(questions):
        order = [1, 32] if n % 2 else [32, 1]
        top: dict[int, float] = {}
        for size in order:
            assistant.retriever.reranker = assistant.extractive.reranker = rerankers[size]
            began = time.perf_counter()
            answer = assistant.ask(question.question).complete()
            times[size].append(time.perf_counter() - began)
            answers[size].append(answer.text)
            top[size] = answer.retrieval.passages[0].score if answer.retrieval.passages else 0.0
        drift.append(abs(top[1] - top[32]))
    rows = [[f"{size} pair(s) per run", *latency_cells(t)] for size, t in times.items()]
    changed = sum(a != b for a, b in zip(answers[1], answers[32], strict=True))
    lines = [
        machine,
        "",
        f"{len(questions)} {args.split}-half questions; load average at the end {load_average()}",
        "",
        markdown_table(["cross-encoder", "median ms (whole answer)", "p95 ms"], rows),
        "",
        f"one pair / 32 pairs per run, medians: {median(times[1]) / median(times[32]):.2f}",
        f"best passage's score, |one - batched|: median {median(drift):.3f}, max {max(drift):.3f} logits; "
        f"answers that differ: {changed} of {len(questions)}",
    ]
    publish("rerank_batch.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
