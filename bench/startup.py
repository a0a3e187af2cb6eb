"""Start-up and answer latency: seeds index build, time until the app answers HTTP, extractive answer latency.

Usage:
    .venv/bin/python bench/startup.py [--reps 3] [--passes 3]

(a) Building the index of seeds/ into a fresh data folder: in-process with the embedding model
    already loaded, in-process including the model load, and as a cold ``python -m index sync
    seeds`` process (interpreter, imports, model and sync), each the median of ``--reps``.
(b) ``python app.py`` as ``make run`` starts it (same environment as the Makefile exports, a
    free port, a temporary CITEWISE_DATA_DIR), timed from process start until
    ``http://127.0.0.1:PORT/`` answers 200: over an already indexed data folder (the app's
    incremental sync finds nothing to do), and over an empty one (the app indexes seeds/ first).
    Also ``python -m index sync seeds`` from the command line on an already indexed folder. One untimed start of each kind
    warms the machine's caches first; each is the median of ``--reps``.
(c) The default extractive answerer (hybrid retrieval, cross-encoder reranker on), in-process:
    the first question once as a warm-up, then ``--passes`` passes over a fixed sample of 25 questions
    of bench/data/seeds_qa.jsonl (``bench.common.subsample``, answerable and unanswerable ones in the
    set's proportion); each question's latency is its median over the passes, and the table reports
    the median and p95 of those per-question latencies.

The Markdown table goes to stdout and bench/results/startup.md; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    MAKE_ENV,
    PYTHON,
    REPO,
    SEEDS,
    machine_line,
    markdown_table,
    median,
    percentile,
    say,
    settings_for,
    spread,
    stopwatch,
    subsample,
    work_folder,
    write_result,
)
from bench.corpus import load_seeds
from index import Embedder, IndexSettings, build_indexer

READY_TIMEOUT = 600.0
QUESTIONS = 25


# --------------------------------------------------------------------------- processes


def make_env(data_dir: Path, port: int | None = None) -> dict[str, str]:
    """The environment `make run` gives its commands, with the data folder (and port) to use."""
    env = {**os.environ, **MAKE_ENV, "CITEWISE_DATA_DIR": str(data_dir)}
    return env | ({"CITEWISE_PORT": str(port)} if port is not None else {})


def cli_sync(data_dir: Path) -> float:
    """Wall seconds of ``python -m index sync seeds --json`` on ``data_dir``."""
    gc.collect()
    command = [str(PYTHON), "-m", "index", "sync", "seeds", "--json"]
    with stopwatch() as took:
        done = subprocess.run(command, cwd=REPO, env=make_env(data_dir), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"index sync failed ({done.returncode}): {done.stderr[-2000:]}")
    return took.wall


def app_ready(data_dir: Path, log: Path) -> float:
    """Seconds from starting ``python app.py`` until its page answers 200; the app is stopped afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}/"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    gc.collect()
    with log.open("w") as sink:
        began = time.perf_counter()
        process = subprocess.Popen(
            [str(PYTHON), "app.py"], cwd=REPO, env=make_env(data_dir, port), stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"app.py exited with {process.returncode}: {log.read_text()[-2000:]}")
                try:
                    with opener.open(url, timeout=5) as response:
                        if response.status == 200:
                            return time.perf_counter() - began
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.perf_counter() - began > READY_TIMEOUT:
                    raise SystemExit(f"app.py not ready after {READY_TIMEOUT:.0f} s: {log.read_text()[-2000:]}")
                time.sleep(0.05)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def repeat(label: str, reps: int, measure: Callable[[int], float]) -> list[float]:
    """``measure(i)`` for i in range(reps), each reported as it comes."""
    times = []
    for i in range(reps):
        times.append(measure(i))
        say(f"{label} {i + 1}/{reps}: {times[-1]:.2f} s")
    return times


def measure_processes(work: Path, reps: int) -> dict[str, list[float]]:
    """(a) cold CLI syncs and (b) app starts, each kind after one untimed warm-up; leaves ``work/indexed`` indexed."""
    logs = work / "logs"
    logs.mkdir()
    indexed = work / "indexed"
    say("warm-up: python -m index sync seeds into a fresh folder (untimed) ...")
    cli_sync(indexed)
    times = {
        "cold_cli": repeat(
            "(a) cold `python -m index sync seeds`, fresh folder", reps, lambda i: cli_sync(work / f"cli-fresh-{i}")
        )
    }
    times["nochange_cli"] = repeat("(b) `python -m index sync seeds`, nothing changed", reps, lambda i: cli_sync(indexed))
    say("warm-up: python app.py over the indexed folder (untimed) ...")
    app_ready(indexed, logs / "app-warmup.log")
    times["ready_indexed"] = repeat(
        "(b) app ready, indexed folder", reps, lambda i: app_ready(indexed, logs / f"app-indexed-{i}.log")
    )
    say("warm-up: python app.py over an empty folder (untimed) ...")
    app_ready(work / "app-empty-warmup", logs / "app-empty-warmup.log")
    empty = repeat(
        "(b) app ready, empty folder (indexes seeds first)",
        reps,
        lambda i: app_ready(work / f"app-empty-{i}", logs / f"app-empty-{i}.log"),
    )
    return times | {"ready_empty": empty}


# --------------------------------------------------------------------------- in-process


def build_seeds_index(data_dir: Path, embedder: Embedder | None) -> tuple[float, int]:
    """Seconds to open a fresh index in ``data_dir`` and sync seeds/ (loading the model when none is given)."""
    settings = settings_for(data_dir, SEEDS)
    gc.collect()
    with stopwatch() as took:
        indexer = build_indexer(settings, embedder or Embedder(settings.embed_model, settings.embed_batch_size))
        report = indexer.sync(SEEDS)
    indexer.keywords.close()
    if report.failed or not report.chunks:
        raise SystemExit(f"seeds sync failed: {report.summary()}")
    return took.wall, report.chunks


def measure_builds(work: Path, reps: int) -> tuple[list[float], list[float], int, float]:
    """(a) in-process seeds builds: with the model loaded, including its load; chunks; the first load's seconds."""
    with stopwatch() as load_took:
        embedder = Embedder(IndexSettings().embed_model, IndexSettings().embed_batch_size)
        embedder.load()  # the model otherwise loads on first use
    embedder.encode(["warm-up sentence"])
    loaded, with_load = [], []
    chunks = 0
    for i in range(reps):
        seconds, chunks = build_seeds_index(work / f"inproc-loaded-{i}", embedder)
        loaded.append(seconds)
        with_load.append(build_seeds_index(work / f"inproc-load-{i}", None)[0])
        say(f"(a) in-process seeds build {i + 1}/{reps}: model loaded {loaded[-1]:.2f} s, with load {with_load[-1]:.2f} s")
    del embedder
    gc.collect()
    return loaded, with_load, chunks, load_took.wall


@dataclass
class Asked:
    question: str
    answerable: bool
    seconds: list[float] = field(default_factory=list)
    refused: bool = False
    stages: list[dict[str, float]] = field(default_factory=list)  # the retrieval's own timings per run


def answer_latency(data_dir: Path, passes: int) -> tuple[list[Asked], float, float, str]:
    """(per-question results, build_citewise seconds, warm-up question seconds, reranker name)."""
    from assistant import build_citewise

    asked = [Asked(q.question, q.answerable) for q in subsample(load_seeds().questions, QUESTIONS)]
    with stopwatch() as built:
        settings = settings_for(data_dir, SEEDS, llm="extractive")
        assistant = build_citewise(settings).assistant
    with stopwatch() as warm:
        assistant.ask(asked[0].question).complete()
    for n in range(passes):
        for item in asked:
            with stopwatch() as took:
                answer = assistant.ask(item.question).complete()
            item.seconds.append(took.wall)
            item.refused = answer.refused
            item.stages.append(dict(getattr(answer.retrieval, "timings", None) or {}))
        say(f"(c) pass {n + 1}/{passes}: median {median([median(a.seconds) for a in asked]):.3f} s")
    return asked, built.wall, warm.wall, settings.reranker


# --------------------------------------------------------------------------- report


def answer_rows(asked: list[Asked], build_seconds: float, warm_seconds: float, reranker: str, passes: int) -> list[list[str]]:
    """The (c) rows: latency, answered / refused, where an answer's time goes, model load."""
    per_question = [median(a.seconds) for a in asked]
    answered = [median(a.seconds) for a in asked if not a.refused]
    refused = [median(a.seconds) for a in asked if a.refused]
    stage_names = sorted({name for a in asked for run in a.stages for name in run})
    stages = {name: median([median([run.get(name, 0.0) for run in a.stages]) for a in asked]) for name in stage_names}
    rest = median([median([s - sum(run.values()) for s, run in zip(a.seconds, a.stages, strict=True)]) for a in asked])
    wrong_refusals = sum(1 for a in asked if a.answerable and a.refused)
    wrong_answers = sum(1 for a in asked if not a.answerable and not a.refused)
    unanswerable = sum(1 for a in asked if not a.answerable)
    return [
        [
            f"(c) answer latency, extractive, reranker {reranker}",
            f"median **{median(per_question):.3f} s**, p95 **{percentile(per_question, 95):.3f} s**",
            f"{len(asked)} questions ({unanswerable} unanswerable) x {passes} passes; "
            f"per-question median; min {min(per_question):.3f} s, max {max(per_question):.3f} s",
        ],
        [
            "(c) answered / refused questions",
            f"answered: median {median(answered):.3f} s (n={len(answered)}); "
            f"refused: median {median(refused):.3f} s (n={len(refused)})",
            f"{wrong_refusals} answerable refused, {wrong_answers} unanswerable answered",
        ],
        [
            "(c) where an answer's time goes (median over questions of per-question medians)",
            ", ".join(f"{name} {seconds:.3f} s" for name, seconds in stages.items())
            + f", rest (extractive answer, citations) {rest:.3f} s",
            "stages as timed by the retriever itself",
        ],
        [
            "(c) in-process `build_citewise` and first (warm-up) question",
            f"{build_seconds:.2f} s + {warm_seconds:.3f} s",
            "models load in build_citewise",
        ],
    ]


def start_rows(
    times: dict[str, list[float]], loaded: list[float], with_load: list[float], chunks: int, load_seconds: float
) -> list[list[str]]:
    """The (a) and (b) rows."""
    return [
        [
            "(a) seeds index build, fresh folder, model already loaded (in-process)",
            spread(loaded),
            f"{len(list(SEEDS.iterdir()))} files, {chunks} chunks",
        ],
        [
            "(a) seeds index build, fresh folder, including model load (in-process)",
            spread(with_load),
            f"weights re-read in a warm process; the first load here, with imports, took {load_seconds:.1f} s",
        ],
        [
            "(a) seeds index build, cold process: `python -m index sync seeds`, fresh folder",
            spread(times["cold_cli"]),
            "interpreter + imports + model load + sync",
        ],
        [
            "(b) `python -m index sync seeds` from the command line, already indexed",
            spread(times["nochange_cli"]),
            "no-change case: interpreter + imports (the model loads only when something is to be embedded)",
        ],
        [
            "(b) `python app.py` (what `make run` starts) until / answers 200, already indexed",
            spread(times["ready_indexed"]),
            "includes its incremental sync of seeds/",
        ],
        [
            "(b) `python app.py` until / answers 200, empty data folder",
            spread(times["ready_empty"]),
            "indexes seeds/ before serving",
        ],
    ]


def per_question(asked: list[Asked]) -> str:
    rows = [
        [
            a.question,
            "yes" if a.answerable else "no",
            "yes" if a.refused else "no",
            f"{median(a.seconds):.3f}",
            ", ".join(f"{s:.3f}" for s in a.seconds),
        ]
        for a in asked
    ]
    return markdown_table(["Question", "Answerable", "Refused", "Median s", "Runs (s)"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3, help="timed repetitions of each start-up measurement")
    parser.add_argument("--passes", type=int, default=3, help="passes over the questions")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    header = machine_line()
    say(header)
    with work_folder("citewise-startup-", args.keep) as work:
        times = measure_processes(work, args.reps)  # first, while this process holds no model: as `make run` starts them
        loaded, with_load, chunks, load_seconds = measure_builds(work, args.reps)
        asked, build_seconds, warm_seconds, reranker = answer_latency(work / "indexed", args.passes)
    rows = start_rows(times, loaded, with_load, chunks, load_seconds)
    rows += answer_rows(asked, build_seconds, warm_seconds, reranker, args.passes)
    minutes = (time.perf_counter() - began) / 60
    text = "\n\n".join(
        [
            "# Start-up and answer latency",
            header,
            f"Embedding model loaded in-process in {load_seconds:.1f} s; script ran {minutes:.1f} min.",
            markdown_table(["Measurement", "Time (median (min-max, n))", "Detail"], rows),
            "## Per question",
            per_question(asked),
        ]
    )
    print(text)
    say(f"written to {write_result('startup.md', text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
