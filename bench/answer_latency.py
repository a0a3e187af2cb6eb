"""The extractive answerer's latency now against an earlier commit's, in one run, on the same retrievals.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_latency.py --before 614efed [--split heldout]

Each development question is retrieved once; then both answerers (``assistant/extractive.py`` as it is
and as it was at ``--before``, loaded from git) answer it from the same passages, in alternating order,
so the machine's load falls on both alike. A full answer's latency is its retrieval's plus its answerer's.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, latency_cells, load_average, machine_line, markdown_table, median, publish
from bench.eval import dev_assistant


def answerer_at(commit: str, embedder: object, reranker: object) -> object:
    """``ExtractiveAnswerer`` as committed at ``commit``, with its defaults (its own bars)."""
    source = subprocess.run(
        ["git", "show", f"{commit}:assistant/extractive.py"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "extractive_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("extractive_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.ExtractiveAnswerer(embedder, reranker)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="the commit to compare with")
    parser.add_argument("--split", default="heldout", choices=["tune", "heldout"])
    args = parser.parse_args()
    machine = machine_line()  # the load average as the run starts
    assistant, questions = dev_assistant(args.split)
    now = assistant.extractive
    before = answerer_at(args.before, now.embedder, now.reranker)
    times: dict[str, list[float]] = {"before": [], "now": []}
    for n, question in enumerate(questions):
        began = time.perf_counter()
        retrieval = assistant.retriever.search(question.question, assistant.retriever.defaults)
        searched = time.perf_counter() - began
        pair = [("before", before), ("now", now)]
        for name, answerer in pair if n % 2 else pair[::-1]:
            began = time.perf_counter()
            answerer.answer(question.question, retrieval.relevant)  # type: ignore[attr-defined]
            times[name].append(searched + time.perf_counter() - began)
    rows = [[name, *latency_cells(t)] for name, t in times.items()]
    ratio = median(times["now"]) / median(times["before"])
    lines = [
        machine,
        "",
        f"{len(questions)} {args.split}-half questions; before = {args.before}; load average at the end {load_average()}",
        "",
        markdown_table(["answerer", "median ms (retrieval + answer)", "p95 ms"], rows),
        "",
        f"now / before, medians: {ratio:.2f}",
    ]
    publish("answer_latency.md", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
