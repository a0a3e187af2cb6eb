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
    one warm-up question, then ``--passes`` passes over the questions below (21 answerable,
    4 the seeds do not answer); each question's latency is its median over the passes, and the
    table reports the median and p95 of those per-question latencies.

The Markdown table goes to stdout and bench/results/startup.md; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, REPO, machine_line, markdown_table, median, percentile, say, spread, stopwatch, write_result
from index import Embedder, IndexSettings, build_indexer

SEEDS = REPO / "seeds"
READY_TIMEOUT = 600.0

WARMUP_QUESTION = "What did Wang Yi say about solidarity and cooperation?"
# (question, answerable from seeds/)
QUESTIONS: list[tuple[str, bool]] = [
    ("When did the Chinese medical expert group complete its work in Kyrgyzstan?", True),
    ("How many specialists were in the Chinese medical group sent to Kyrgyzstan?", True),
    ("Which Chinese region did the specialists sent to Kyrgyzstan come from?", True),
    ("How many Kyrgyz hospital and clinic employees received training?", True),
    ("Which foreign ministry spokesman described the expert group's work in Kyrgyzstan?", True),
    ("Who was the Kyrgyz president who met Wang Yi in September 2020?", True),
    ("Which railroad does Kyrgyzstan want to speed up with China?", True),
    ("How many countries received emergency supplies in China's humanitarian operation?", True),
    ("In which areas does Kyrgyzstan want to expand pragmatic cooperation with China?", True),
    ("What did Wang Yi call the most powerful weapons in the fight against the epidemic?", True),
    ("How many medical aid workers has China sent abroad?", True),
    ("How many patients have Chinese foreign medical aid teams treated?", True),
    ("How many vaccine doses has China provided to other countries?", True),
    ("How many teams of medical experts did China dispatch after the COVID-19 outbreak?", True),
    ("What anniversary did the commendation event in Beijing mark?", True),
    ("How much money did China donate to the WHO?", True),
    ("Which countries did China send epidemic-control expert teams to?", True),
    ("Who is the minister of the National Health Commission?", True),
    ("How many virtual technical conferences did Chinese health experts hold?", True),
    ("Will foreign aid affect China's epidemic prevention and control at home?", True),
    ("What risk is China's anti-epidemic work facing, according to Deng Boqing?", True),
    ("Who won the 2018 FIFA World Cup?", False),
    ("What is the boiling point of mercury?", False),
    ("Which programming language is best for writing web servers?", False),
    ("What is the population of Iceland?", False),
]


# --------------------------------------------------------------------------- processes


def make_env(data_dir: Path, port: int | None = None) -> dict[str, str]:
    """The environment `make run` gives its commands, with the data folder (and port) to use."""
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_VERBOSITY="error",
        ANONYMIZED_TELEMETRY="False",
        CITEWISE_DATA_DIR=str(data_dir),
    )
    if port is not None:
        env["CITEWISE_PORT"] = str(port)
    return env


def cli_sync(data_dir: Path) -> float:
    """Wall seconds of ``python -m index sync seeds --json`` on ``data_dir``."""
    gc.collect()
    with stopwatch() as took:
        done = subprocess.run(
            [str(PYTHON), "-m", "index", "sync", "seeds", "--json"],
            cwd=REPO,
            env=make_env(data_dir),
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"index sync failed ({done.returncode}): {done.stderr[-2000:]}")
    return took[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_ready(data_dir: Path, log: Path) -> float:
    """Seconds from starting ``python app.py`` until its page answers 200; the app is stopped afterwards."""
    port = free_port()
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


# --------------------------------------------------------------------------- in-process


def build_seeds_index(data_dir: Path, embedder: Embedder | None) -> tuple[float, int]:
    """Seconds to open a fresh index in ``data_dir`` and sync seeds/ (loading the model when none is given)."""
    gc.collect()
    with stopwatch() as took:
        settings = IndexSettings(data_dir=data_dir, docs_dir=SEEDS, chroma_url="")
        model = embedder or Embedder(settings.embed_model, settings.embed_batch_size)
        indexer = build_indexer(settings, model)
        report = indexer.sync(SEEDS)
    indexer.keywords.close()
    if report.failed or not report.chunks:
        raise SystemExit(f"seeds sync failed: {report.summary()}")
    return took[0], report.chunks


@dataclass
class Asked:
    question: str
    answerable: bool
    seconds: list[float]
    refused: bool
    stages: list[dict[str, float]] = field(default_factory=list)  # the retrieval's own timings per run


def answer_latency(data_dir: Path, passes: int) -> tuple[list[Asked], float, float, str]:
    """(per-question results, build_assistant seconds, warm-up question seconds, reranker name)."""
    from assistant import Settings, build_assistant

    with stopwatch() as built:
        settings = Settings(data_dir=data_dir, docs_dir=SEEDS, chroma_url="", llm="extractive")
        citewise = build_assistant(settings)
    assistant = citewise.assistant
    with stopwatch() as warm:
        assistant.ask(WARMUP_QUESTION).complete()
    asked = [Asked(q, ok, [], False) for q, ok in QUESTIONS]
    for n in range(passes):
        for item in asked:
            with stopwatch() as took:
                answer = assistant.ask(item.question).complete()
            item.seconds.append(took[0])
            item.refused = answer.refused
            item.stages.append(dict(getattr(answer.retrieval, "timings", None) or {}))
        say(f"(c) pass {n + 1}/{passes}: median {median([median(a.seconds) for a in asked]):.3f} s")
    return asked, built[0], warm[0], settings.reranker


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3, help="timed repetitions of each start-up measurement")
    parser.add_argument("--passes", type=int, default=3, help="passes over the questions")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    header = machine_line()
    say(header)
    work = Path(tempfile.mkdtemp(prefix="citewise-startup-"))
    logs = work / "logs"
    logs.mkdir()
    try:
        # (b) first, while this process holds no model: processes as `make run` starts them.
        indexed = work / "indexed"
        say("warm-up: python -m index sync seeds into a fresh folder (untimed) ...")
        cli_sync(indexed)
        cold_cli = []
        for i in range(args.reps):
            cold_cli.append(cli_sync(work / f"cli-fresh-{i}"))
            say(f"(a) cold `python -m index sync seeds`, fresh folder {i + 1}/{args.reps}: {cold_cli[-1]:.2f} s")
        nochange_cli = []
        for i in range(args.reps):
            nochange_cli.append(cli_sync(indexed))
            say(f"(b) `python -m index sync seeds`, nothing changed {i + 1}/{args.reps}: {nochange_cli[-1]:.2f} s")
        say("warm-up: python app.py over the indexed folder (untimed) ...")
        app_ready(indexed, logs / "app-warmup.log")
        ready_indexed = []
        for i in range(args.reps):
            ready_indexed.append(app_ready(indexed, logs / f"app-indexed-{i}.log"))
            say(f"(b) app ready, indexed folder {i + 1}/{args.reps}: {ready_indexed[-1]:.2f} s")
        say("warm-up: python app.py over an empty folder (untimed) ...")
        app_ready(work / "app-empty-warmup", logs / "app-empty-warmup.log")
        ready_empty = []
        for i in range(args.reps):
            ready_empty.append(app_ready(work / f"app-empty-{i}", logs / f"app-empty-{i}.log"))
            say(f"(b) app ready, empty folder (indexes seeds first) {i + 1}/{args.reps}: {ready_empty[-1]:.2f} s")

        # (a) in-process.
        with stopwatch() as load_took:
            embedder = Embedder(IndexSettings().embed_model, IndexSettings().embed_batch_size)
        embedder.encode(["warm-up sentence"])
        loaded, with_load = [], []
        chunks = 0
        for i in range(args.reps):
            seconds, chunks = build_seeds_index(work / f"inproc-loaded-{i}", embedder)
            loaded.append(seconds)
            seconds, _ = build_seeds_index(work / f"inproc-load-{i}", None)
            with_load.append(seconds)
            say(f"(a) in-process seeds build {i + 1}/{args.reps}: model loaded {loaded[-1]:.2f} s, with load {seconds:.2f} s")
        del embedder
        gc.collect()

        # (c) answers.
        asked, build_seconds, warm_seconds, reranker = answer_latency(indexed, args.passes)
        per_question = [median(a.seconds) for a in asked]
        answered = [median(a.seconds) for a in asked if not a.refused]
        refused = [median(a.seconds) for a in asked if a.refused]
        stage_names = sorted({name for a in asked for run in a.stages for name in run})
        stage_medians = {name: median([median([run.get(name, 0.0) for run in a.stages]) for a in asked]) for name in stage_names}
        rest = median([median([s - sum(run.values()) for s, run in zip(a.seconds, a.stages, strict=True)]) for a in asked])
        wrong_refusals = sum(1 for a in asked if a.answerable and a.refused)
        wrong_answers = sum(1 for a in asked if not a.answerable and not a.refused)

        unanswerable = sum(1 for _, ok in QUESTIONS if not ok)
        rows = [
            [
                "(a) seeds index build, fresh folder, model already loaded (in-process)",
                spread(loaded),
                f"{len(list(SEEDS.iterdir()))} files, {chunks} chunks",
            ],
            [
                "(a) seeds index build, fresh folder, including model load (in-process)",
                spread(with_load),
                f"weights re-read in a warm process; the first load here, with imports, took {load_took[0]:.1f} s",
            ],
            [
                "(a) seeds index build, cold process: `python -m index sync seeds`, fresh folder",
                spread(cold_cli),
                "interpreter + imports + model load + sync",
            ],
            [
                "(b) `python -m index sync seeds` from the command line, already indexed",
                spread(nochange_cli),
                "no-change case: interpreter + imports + model load",
            ],
            [
                "(b) `python app.py` (what `make run` starts) until / answers 200, already indexed",
                spread(ready_indexed),
                "includes its incremental sync of seeds/",
            ],
            [
                "(b) `python app.py` until / answers 200, empty data folder",
                spread(ready_empty),
                "indexes seeds/ before serving",
            ],
            [
                f"(c) answer latency, extractive, reranker {reranker}",
                f"median **{median(per_question):.3f} s**, p95 **{percentile(per_question, 95):.3f} s**",
                f"{len(QUESTIONS)} questions ({unanswerable} unanswerable) x {args.passes} passes; "
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
                ", ".join(f"{name} {seconds:.3f} s" for name, seconds in stage_medians.items())
                + f", rest (extractive answer, citations) {rest:.3f} s",
                "stages as timed by the retriever itself",
            ],
            [
                "(c) in-process `build_assistant` and first (warm-up) question",
                f"{build_seconds:.2f} s + {warm_seconds:.3f} s",
                "models load in build_assistant",
            ],
        ]
        elapsed = time.perf_counter() - began
        table = markdown_table(["Measurement", "Time (median (min-max, n))", "Detail"], rows)
        details = markdown_table(
            ["Question", "Answerable", "Refused", "Median s", "Runs (s)"],
            [
                [
                    a.question,
                    "yes" if a.answerable else "no",
                    "yes" if a.refused else "no",
                    f"{median(a.seconds):.3f}",
                    ", ".join(f"{s:.3f}" for s in a.seconds),
                ]
                for a in asked
            ],
        )
        text = "\n\n".join(
            [
                "# Start-up and answer latency",
                header,
                f"Embedding model loaded in-process in {load_took[0]:.1f} s; script ran {elapsed / 60:.1f} min.",
                table,
                "## Per question",
                details,
            ]
        )
        print(text)
        say(f"written to {write_result('startup.md', text)}")
    finally:
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
