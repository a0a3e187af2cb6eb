"""The cross-encoder's threads sleeping between runs (the default) against spinning (onnxruntime's own default).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/rerank_threads.py [--split tune] [--busy N]

onnxruntime's threads spin for a while after each run, waiting for the next. An answer runs the cross-encoder once per
passage and sentence, and the embedding model, the keyword search and the server's other work run in between: spinning
threads hold the cores they need. Each development question is asked of the default assistant twice, its cross-encoder
sleeping or spinning, in alternating order so that the machine's load falls on both alike; with ``--busy N``, N other
processes keep a core busy each meanwhile (a sync, another user, another program). Reported: the medians of a whole
answer's latency, and how many answers differ (none should: the scores are the same).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import latency_cells, load_average, machine_line, markdown_table, median, publish
from bench.eval import dev_assistant

BUSY_LOOP = "while True: pass"


def main() -> int:
    from assistant.rerank import OnnxCrossEncoder, packaged_model_dir

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="heldout", choices=["tune", "heldout"])
    parser.add_argument("--busy", type=int, default=0, help="processes that keep a core busy each while answering")
    args = parser.parse_args()
    machine = machine_line()  # the load average as the run starts
    assistant, questions = dev_assistant(args.split)
    name = assistant.extractive.reranker.name
    rerankers = {
        spinning: OnnxCrossEncoder(packaged_model_dir("reranker_en"), name, spinning=spinning) for spinning in (False, True)
    }
    times: dict[bool, list[float]] = {False: [], True: []}
    answers: dict[bool, list[str]] = {False: [], True: []}
    busy = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(args.busy)]
    try:
        for n, question in enumerate(questions):
            for spinning in (False, True) if n % 2 else (True, False):
                assistant.retriever.reranker = assistant.extractive.reranker = rerankers[spinning]
                began = time.perf_counter()
                answers[spinning].append(assistant.ask(question.question).complete().text)
                times[spinning].append(time.perf_counter() - began)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    rows = [[label, *latency_cells(times[spinning])] for spinning, label in ((False, "sleeping"), (True, "spinning"))]
    changed = sum(a != b for a, b in zip(answers[False], answers[True], strict=True))
    lines = [
        machine,
        "",
        f"{len(questions)} {args.split}-half questions, {args.busy} busy process(es) beside them; "
        f"load average at the end {load_average()}",
        "",
        markdown_table(["cross-encoder threads between runs", "median ms (whole answer)", "p95 ms"], rows),
        "",
        f"sleeping / spinning, medians: {median(times[False]) / median(times[True]):.2f}; "
        f"answers that differ: {changed} of {len(questions)}",
    ]
    publish(f"rerank_threads_busy{args.busy}.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
