"""How long one full garbage collection stops the server, before and after start-up's objects are frozen.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/gc_pause.py [--reps 7]

The server as ``app.py`` builds it (the seeds indexed, the models loaded, the chat and the API built) answers the seed
questions; then ``gc.collect()`` is timed ``--reps`` times. Then ``app.settle_memory()`` (what ``app.py`` calls before
serving), the same questions again, and the same timing, in the same process. A full collection is what Python runs
itself as objects pile up, and what an answer its reader left runs (``assistant.generate.hang_up``); every thread of
the server waits for it.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SEEDS, machine_line, markdown_table, median, publish, settings_for, spread, work_folder
from bench.corpus import load_seeds


@contextmanager
def full_collections() -> Iterator[list[float]]:
    """The seconds of each full (generation 2) collection Python runs on its own meanwhile."""
    pauses: list[float] = []
    started: list[float] = []

    def timed(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            pauses.append(time.perf_counter() - started.pop())

    gc.callbacks.append(timed)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(timed)


def main() -> int:
    from app import build_server, settle_memory, startup_sync
    from assistant import build_citewise

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    machine = machine_line()
    questions = [q.question for q in load_seeds().questions]
    with work_folder("gc-pause", keep=False) as root:
        shutil.copytree(SEEDS, root / "docs")
        with build_citewise(settings_for(root / "data", root / "docs")) as citewise:
            startup_sync(citewise)
            build_server(citewise)
            rows = []
            for stage in ("as started", "after settle_memory()"):
                if stage != "as started":
                    settle_memory()
                with full_collections() as pauses:
                    for question in questions:
                        citewise.ask(question).complete()
                seconds = []
                for _ in range(args.reps):
                    started = time.perf_counter()
                    gc.collect()
                    seconds.append(time.perf_counter() - started)
                cell = spread([s * 1000 for s in seconds], "ms", 3)
                automatic = f"{len(pauses)}, {sum(pauses) * 1000:,.0f} ms in all"
                rows.append((stage, automatic, f"{len(gc.get_objects()):,}", f"{gc.get_freeze_count():,}", cell, median(seconds)))
    before, after = rows[0][-1], rows[1][-1]
    publish(
        "gc_pause.md",
        [
            "# A full garbage collection in the server, before and after start-up's objects are frozen",
            "",
            machine,
            "",
            f"The seeds app, {len(questions)} questions answered before each timing; `gc.collect()` {args.reps} times.",
            "",
            markdown_table(
                [
                    "",
                    "full collections Python ran itself while answering",
                    "objects walked",
                    "objects frozen",
                    "one full collection",
                ],
                [r[:-1] for r in rows],
            ),
            "",
            f"Frozen / as started: **{after / before:.2e}** of the time.",
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
