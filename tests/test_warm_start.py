"""The warm start (tests/warm_start.py) behaves as ``subprocess.Popen`` does, so the tests that use it test what they claim."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from browser_support import REPO

SHOW = (
    "import json, os, sys; "
    "print(json.dumps({'argv': sys.argv, 'cwd': os.getcwd(), 'env': os.environ.get('WARM_PROBE'), 'path0': sys.path[0]}))"
)


def test_a_child_gets_its_own_argv_folder_environment_and_streams(warm_python: Any, tmp_path: Path) -> None:
    child = warm_python(
        [sys.executable, "-c", SHOW, "one", "two"],
        cwd=tmp_path,
        env={**os.environ, "WARM_PROBE": "seen"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert json.loads(out) == {"argv": ["-c", "one", "two"], "cwd": str(tmp_path), "env": "seen", "path0": ""}


def test_a_module_runs_as_main_with_the_repository_on_its_path(warm_python: Any, tmp_path: Path) -> None:
    log = tmp_path / "status.log"
    environment = {**os.environ, "CITEWISE_DATA_DIR": str(tmp_path / "data")}
    with log.open("wb") as handle:
        child = warm_python(
            [sys.executable, "-m", "index", "status"], cwd=REPO, env=environment, stdout=handle, stderr=subprocess.STDOUT
        )
    assert child.wait(timeout=120) == 0, log.read_text()
    assert "documents: 0" in log.read_text()


def test_exit_codes_and_signals_read_as_popen_reports_them(warm_python: Any) -> None:
    quiet = {"cwd": REPO, "env": dict(os.environ), "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    assert warm_python([sys.executable, "-c", "import sys; sys.exit(3)"], **quiet).wait(timeout=60) == 3
    assert warm_python([sys.executable, "-c", "raise ValueError('no')"], **quiet).wait(timeout=60) == 1
    sleeper = warm_python([sys.executable, "-c", "import time; time.sleep(600)"], **quiet)
    assert sleeper.poll() is None
    sleeper.send_signal(signal.SIGKILL)
    assert sleeper.wait(timeout=60) == -signal.SIGKILL
    assert sleeper.poll() == -signal.SIGKILL
