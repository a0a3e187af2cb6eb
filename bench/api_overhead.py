"""The HTTP API's overhead: ``POST /v1/chat/completions`` against ``Citewise.ask(...).complete()`` in one process.

Usage:
    .venv/bin/python bench/api_overhead.py [--passes 3] [--limit N]

The seeds are indexed into a temporary folder; the server ``app.py`` builds (the API with the Gradio
chat mounted on it, an API key set) is served by uvicorn in a thread on a free loopback port. Every
question of bench/data/seeds_qa.jsonl (or a fixed sample of ``--limit``) is then asked both ways on the
same Citewise, interleaved: non-streaming over a kept-alive HTTP connection (httpx, the JSON parsed),
and directly; which goes first alternates from question to question and pass to pass, so drifting load
hits both alike. A question's wall and CPU times (this process's: client and server threads) are its
medians over ``--passes``; the table gives the median and p95 over questions of each way and of the
per-question difference (HTTP minus direct): the API's cost. After each pair, the same request with an
unknown model is timed too: refused before anything is answered, it is the HTTP path's own cost
(connection, key check, body cap, JSON parsing, an error response), which the loaded machine's noise
in the difference cannot blur.
Both ways must return the same answer text. Target: a difference under 50 ms.

The Markdown table goes to stdout and bench/results/api_overhead.md; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    SEEDS,
    machine_line,
    markdown_table,
    median,
    percentile,
    say,
    settings_for,
    stopwatch,
    subsample,
    work_folder,
    write_result,
)
from bench.corpus import load_seeds

KEY = "bench-key"
TARGET_MS = 50.0
CLOCKS = ("wall", "cpu")


def main(argv: list[str] | None = None) -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=3, help="times each question is asked each way")
    parser.add_argument("--limit", type=int, default=None, help="ask a fixed sample of this many questions")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    import httpx
    import uvicorn

    from app import build_server
    from assistant import build_citewise

    questions = [q.question for q in subsample(load_seeds().questions, args.limit)]
    with work_folder("citewise-api-bench-", args.keep) as work:
        docs = Path(shutil.copytree(SEEDS, work / "docs"))
        citewise = build_citewise(settings_for(work / "data", docs, api_key=KEY))
        say(f"indexed the seeds: {citewise.sync().summary()['chunks']} chunks")
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(build_server(citewise), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        try:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}/v1/", headers={"Authorization": f"Bearer {KEY}"}, timeout=120
            ) as http:

                def over_http(question: str) -> str:
                    body = {"model": "citewise", "messages": [{"role": "user", "content": question}]}
                    response = http.post("chat/completions", json=body)
                    response.raise_for_status()
                    return str(response.json()["choices"][0]["message"]["content"])

                def direct(question: str) -> str:
                    return citewise.ask(question).complete().text

                def refused(question: str) -> None:
                    body = {"model": "no-such-model", "messages": [{"role": "user", "content": question}]}
                    assert http.post("chat/completions", json=body).status_code == 404

                ways: dict[str, Callable[[str], str]] = {"http": over_http, "direct": direct}
                timings = _measure(ways, refused, questions, args.passes)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    report = _report(timings, len(questions), args.passes)
    print(report)
    say(f"written to {write_result('api_overhead.md', report)}")


def _measure(
    ways: dict[str, Callable[[str], str]], floor: Callable[[str], None], questions: list[str], passes: int
) -> dict[str, dict[str, list[float]]]:
    """Per way, clock ("wall", "cpu") and question, the median seconds; checks both ways give the same answer.

    ``floor`` (timed as "floor", after each pair) is the same request refused before answering: the HTTP path alone.
    """
    for way in [*ways.values(), floor]:  # first calls pay for lazy imports and warm caches
        way(questions[0])
    samples = {name: {clock: [[] for _ in questions] for clock in CLOCKS} for name in [*ways, "floor"]}
    names = list(ways)
    for p in range(passes):
        say(f"pass {p + 1}/{passes}")
        for i, question in enumerate(questions):
            order = names if (i + p) % 2 == 0 else names[::-1]
            answers = {}
            for name in order:
                with stopwatch() as took:
                    answers[name] = ways[name](question)
                samples[name]["wall"][i].append(took.wall)
                samples[name]["cpu"][i].append(took.cpu)
            if len(set(answers.values())) != 1:
                raise AssertionError(f"the ways answered {question!r} differently: {answers}")
            with stopwatch() as took:
                floor(question)
            samples["floor"]["wall"][i].append(took.wall)
            samples["floor"]["cpu"][i].append(took.cpu)
    return {name: {clock: [median(runs) for runs in rows] for clock, rows in clocks.items()} for name, clocks in samples.items()}


def _report(timings: dict[str, dict[str, list[float]]], questions: int, passes: int) -> str:
    http, direct = timings["http"], timings["direct"]
    differences = {clock: [h - d for h, d in zip(http[clock], direct[clock], strict=True)] for clock in CLOCKS}

    def row(label: str, seconds: dict[str, list[float]]) -> list[str]:
        return [label] + [f"{1000 * stat(seconds[clock]):.1f}" for clock in CLOCKS for stat in (median, _p95)]

    table = markdown_table(
        ["", "wall median ms", "wall p95 ms", "CPU median ms", "CPU p95 ms"],
        [
            row("`Citewise.ask(q).complete()`, in-process", direct),
            row("`POST /v1/chat/completions`, HTTP, not streamed", http),
            row("difference per question (the API's cost)", differences),
            row("the same request refused before answering (unknown model): the HTTP path alone", timings["floor"]),
        ],
        text=[0],
    )
    wall, cpu = (1000 * median(differences[clock]) for clock in CLOCKS)
    verdict = "within" if wall < TARGET_MS else "over"
    return (
        f"# API overhead\n\n{machine_line()}\n\n{questions} seeds questions x {passes} passes, interleaved; "
        "each question's median over its passes, then the median and p95 over questions. CPU is this process's "
        "(client and server threads together), which other processes' load disturbs far less than wall time.\n\n"
        f"{table}\n\nMedian overhead {wall:.1f} ms wall, {cpu:.1f} ms CPU: {verdict} the {TARGET_MS:.0f} ms target.\n"
    )


def _p95(values: list[float]) -> float:
    return percentile(values, 95)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    main()
