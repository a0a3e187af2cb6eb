"""Shared fixtures: the real models and their fakes, the seeds and an index of them built once, served apps, Chromium.

What is expensive is made once per session and copied where a test changes it: the real models load
once; the seeds are embedded once (``seeds_index``), and a test that writes to an index of them gets
a copy of that data folder (``seeds_copy``), which is far cheaper than embedding them again. The apps
the selected tests need are launched in the background as the session starts (``AppLauncher``); under
pytest-xdist (`make test`: ``-n 2 --dist loadfile``) each worker runs whole modules and starts an app when
its module first needs it. Apps and CLI subprocesses start warm, as forks of a server that has imported
the heavy libraries once (tests/warm_start.py), unless the start itself is under test.
Waiting and hang guards live in tests/polling.py; the fake models in tests/fakes.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    SHARED_APP,
    AppSpec,
    AppStartError,
    Popen,
    RunningApp,
    ServeApp,
    chromium_problem,
    copy_seeds,
    launch_app,
    launch_chromium,
    run_app,
    stop,
)
from browser_support import free_port as pick_free_port
from fakes import FakeEmbedder, FakeReranker
from warm_start import WarmStarter

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# One thread per process for torch: two workers, and the apps and CLIs they start, already share the machine's
# cores, and torch's idle threads spin waiting for work that those other processes need the cores for.
# Inherited by every app and CLI subprocess the tests start; set before any test module imports torch.
os.environ.setdefault("OMP_NUM_THREADS", "1")

_XDIST_WORKER = "PYTEST_XDIST_WORKER"  # set by pytest-xdist in each of its worker processes


# The modules whose tests use ``shared_app``: under pytest-xdist they run in one worker, so one app serves them.
SHARED_APP_MODULES = ("test_browser.py", "test_browser_chats.py", "test_security.py")

# Roughly how many seconds each long module takes on a busy 2-core machine (``--durations=0``, summed per module).
# Only the order of the queue hangs on these: the longest go first, so that the two workers finish together rather
# than one idling while the other runs a long module it picked up last. A module not named here goes after these.
MODULE_SECONDS = {
    "test_linear_time.py": 102,
    "shared_app": 77,
    "test_answer.py": 33,
    "test_browser_documents.py": 28,
    "test_cli.py": 25,
    "test_instances.py": 21,
    "test_concurrency.py": 20,
    "test_app_crash.py": 17,
    "test_watch.py": 15,
    "test_llm.py": 13,
    "test_chats_app.py": 13,
    "test_api.py": 13,
    "test_auth.py": 12,
    "test_hardening.py": 9,
    "test_crash.py": 7,
    "test_sync.py": 7,
    "test_reading.py": 7,
    "test_chunk_batch.py": 6,
    "test_fidelity.py": 6,
    "test_index_safety.py": 6,
    "test_app.py": 5,
    "test_chroma_server.py": 4,
    "test_loader.py": 3,
    "test_text.py": 3,
}


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` (`make test`), with the modules of ``SHARED_APP_MODULES`` as one file, longest first.

    Each worker runs whole modules, in order, so a module's own app and other module-wide state are made
    once; the shared app's modules go to one worker, so it starts once. (pytest-xdist's ``loadgroup`` would
    say this with marks, but its groups are lost on pytest 9's node ids.) A worker that runs out of work
    gets the longest module left (``MODULE_SECONDS``).
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedAppScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = super()._split_scope(nodeid)
            return "shared_app" if Path(module).name in SHARED_APP_MODULES else module

        def _assign_work_unit(self, node: Any) -> None:
            longest = max(self.workqueue, key=lambda scope: MODULE_SECONDS.get(Path(scope).name, 0))
            self.workqueue.move_to_end(longest, last=False)  # the base class hands out the first in the queue
            super()._assign_work_unit(node)

    return SharedAppScheduling(config, log)


# --------------------------------------------------------------------------- indexes a test opens


class IndexCloser:
    """Closes every indexer a test opens, in its body or in a function-scoped fixture, when the test ends.

    The app and the commands close their indexes (``build_indexer``, ``build_citewise`` or ``Indexer(...)``); so do the
    tests: Chroma keeps a folder's files open until its client is closed, and a test process that opens hundreds of
    indexes would otherwise hold thousands of descriptors. Module- and session-scoped fixtures' indexes live on. A plugin
    of its own (``pytest_configure``), not hooks of this file: a conftest's fixture hooks do not see the session-scoped
    fixtures it defines.
    """

    def __init__(self) -> None:
        self.opened: list[Any] | None = None  # the running test's indexers
        self.wider = 0  # module- or session-scoped fixtures being set up now: what they open is theirs
        from index.sync import Indexer

        opened = Indexer.__init__

        def tracked(indexer: Indexer, *args: Any, **kwargs: Any) -> None:
            opened(indexer, *args, **kwargs)
            if self.opened is not None and not self.wider:
                self.opened.append(indexer)

        Indexer.__init__ = tracked  # type: ignore[method-assign]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[object]:
        self.opened = []
        try:
            return (yield)
        finally:
            opened, self.opened = self.opened, None
            for indexer in opened:
                indexer.close()  # a second close (by the test or its fixture) does nothing

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Iterator[object]:
        wider = fixturedef.scope != "function"
        self.wider += wider
        try:
            return (yield)
        finally:
            self.wider -= wider


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(IndexCloser(), "citewise-index-closer")


# --------------------------------------------------------------------------- models


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2 from its package, offline: the same one every ``build_citewise`` here uses."""
    from assistant.wiring import MODELS

    return MODELS.embedder("sentence-transformers/all-MiniLM-L6-v2", batch_size=64)


@pytest.fixture(scope="session")
def reranker():  # type: ignore[no-untyped-def]
    """The packaged ONNX ms-marco cross-encoder: the same one every ``build_citewise`` here uses."""
    from assistant.rerank import PACKAGED_RERANKER
    from assistant.wiring import MODELS

    return MODELS.reranker(PACKAGED_RERANKER)


@pytest.fixture(scope="session")
def fake_embedder() -> FakeEmbedder:
    """A content-sensitive stand-in for the embedder, for tests whose assertions do not hang on the real model's ranking."""
    return FakeEmbedder()


@pytest.fixture(scope="session")
def fake_reranker() -> FakeReranker:
    """A word-overlap stand-in for the cross-encoder."""
    return FakeReranker()


# --------------------------------------------------------------------------- documents and indexes


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A private copy of the seed documents, free to edit."""
    return copy_seeds(tmp_path / "docs")


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:  # type: ignore[no-untyped-def]
    """The data folder of an index of the seeds, built once with the real model and the default settings.

    Never opened again: tests copy it (``seeds_copy``, ``seeded``, and the apps of ``module_app`` and ``shared_app``).
    """
    from index import IndexSettings, build_indexer

    root = tmp_path_factory.mktemp("seeds-index")
    with closing(build_indexer(IndexSettings(data_dir=root / "data"), embedder=embedder)) as indexer:
        report = indexer.sync(copy_seeds(root / "docs"))
    assert report.failed == [] and len(report.added) == 5
    return root / "data"


@pytest.fixture
def seeds_copy(tmp_path: Path, seeds_index: Path, docs: Path) -> Path:
    """``tmp_path / "data"``: a private copy of the seeds index, in step with ``docs``; returns the data folder."""
    return Path(shutil.copytree(seeds_index, tmp_path / "data"))


@pytest.fixture
def settings(tmp_path: Path, docs: Path):  # type: ignore[no-untyped-def]
    """Settings pointing at ``docs`` and an index under ``tmp_path / "data"`` (empty unless ``seeds_copy`` filled it)."""
    from assistant import Settings

    return Settings(data_dir=tmp_path / "data", docs_dir=docs)


@pytest.fixture
def citewise(settings, seeds_copy: Path, embedder):  # type: ignore[no-untyped-def]
    """A fully wired assistant over a private, writable index of the seeds."""
    from assistant import build_citewise

    with build_citewise(settings, embedder=embedder) as built:
        report = built.indexer.sync(settings.docs_dir)
        assert report.failed == [] and report.embedded == 0 and len(report.unchanged) == 5
        yield built


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory, seeds_index: Path, embedder) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """One read-only assistant over the seeds, shared by tests that only ask questions."""
    from assistant import Settings, build_citewise

    root = tmp_path_factory.mktemp("seeded")
    docs = copy_seeds(root / "docs")
    shutil.copytree(seeds_index, root / "data")
    with build_citewise(Settings(data_dir=root / "data", docs_dir=docs), embedder=embedder) as built:
        assert built.indexer.sync(docs).embedded == 0
        yield built


DeepChain = Callable[[Path, int], None]


@pytest.fixture
def deep_chain() -> Iterator[DeepChain]:
    """Makes ``top/a/a/.../a``, ``depth`` folders deep, with ``note.txt`` at the bottom; removes it after the test.

    Made and removed without recursion: Python 3.11's ``os.makedirs`` and ``shutil.rmtree`` recurse once per level and
    fail about 1,000 levels down, and pytest's own clean-up of an old temporary folder would fail on it later.
    """
    made: list[Path] = []

    def make(top: Path, depth: int) -> None:
        made.append(top)
        fd = os.open(top, os.O_RDONLY)
        for _ in range(depth):
            os.mkdir("a", dir_fd=fd)
            fd, parent = os.open("a", os.O_RDONLY, dir_fd=fd), fd
            os.close(parent)
        note = os.open("note.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(note, b"The deepest note says the lagoon holds 42 herons.")
        os.close(note)
        os.close(fd)

    yield make
    for top in made:
        link, spare = top / "a", top / "a.next"
        while link.is_dir():  # one level at a time: the chain's second folder moves up, the first goes
            if (link / "a").is_dir():
                os.rename(link / "a", spare)
            shutil.rmtree(link)
            if spare.is_dir():
                os.rename(spare, link)


# --------------------------------------------------------------------------- processes and servers


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    return pick_free_port()


@pytest.fixture(scope="session")
def warm_starter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WarmStarter]:
    """This process's warm-start server (tests/warm_start.py): its ``popen`` starts ``[sys.executable, ...]`` as a fork of it."""
    starter = WarmStarter(tmp_path_factory.mktemp("warm-start"))
    yield starter
    starter.close()


@pytest.fixture(scope="session")
def warm_python(warm_starter: WarmStarter) -> Popen:
    """``warm_python([sys.executable, "-m", "index", ...], cwd=..., env=..., stdout=...)``: ``subprocess.Popen``, started warm."""
    return warm_starter.popen


@pytest.fixture(scope="session")
def serve_app(warm_starter: WarmStarter) -> ServeApp:
    """Starts ``python app.py`` as a subprocess: ``with serve_app(root, docs, extra_env=..., index_from=...) as app``.

    The app indexes ``docs`` at start-up (over a copy of ``index_from``, if given) and is stopped on exit;
    a failed start fails the test with the app's log. Modules whose app needs nothing from other fixtures
    use ``module_app`` instead, which starts it early.
    """

    @contextmanager
    def serve(
        root: Path, docs: Path, *, extra_env: dict[str, str] | None = None, index_from: Path | None = None
    ) -> Iterator[RunningApp]:
        try:
            with run_app(root, docs, extra_env=extra_env, index_from=index_from, popen=warm_starter.popen) as app:
                yield app
        except AppStartError as error:
            pytest.fail(f"the app did not start:\n{error}", pytrace=False)

    return serve


class AppLauncher:
    """Starts the apps that the selected tests need as soon as the session starts, so that their start-ups
    (seconds of imports and model loading each) overlap the tests that run meanwhile.

    Each app serves a copy of the seeds plus its spec's documents, over a copy of ``seeds_index`` unless
    the spec says otherwise.
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, seeds_index: Path, warm: WarmStarter) -> None:
        self._tmp = tmp_path_factory
        self._index = seeds_index
        self._warm = warm
        self._launched: dict[str, tuple[Path, Path, RunningApp]] = {}

    def launch(self, name: str, spec: AppSpec) -> None:
        """Start app ``name`` in the background, unless it is started already."""
        if name not in self._launched:
            root, docs = self._prepare(name, spec)
            self._launched[name] = (
                root,
                docs,
                launch_app(root, docs, extra_env=spec.env, index_from=self._index_for(spec), popen=self._popen(spec)),
            )

    @contextmanager
    def serve(self, name: str, spec: AppSpec) -> Iterator[RunningApp]:
        """App ``name`` once it serves (started now if it was not early); stopped on exit."""
        if name in self._launched:
            root, docs, launched = self._launched.pop(name)
        else:
            (root, docs), launched = self._prepare(name, spec), None
        try:
            with run_app(
                root, docs, extra_env=spec.env, index_from=self._index_for(spec), launched=launched, popen=self._popen(spec)
            ) as app:
                yield app
        except AppStartError as error:
            pytest.fail(f"the app did not start:\n{error}", pytrace=False)

    def stop_all(self) -> None:
        """Stop the apps started early that no test asked for (a run cut short)."""
        for _, _, app in self._launched.values():
            stop(app.process)
        self._launched.clear()

    def _popen(self, spec: AppSpec) -> Popen:
        return subprocess.Popen if spec.cold else self._warm.popen

    def _index_for(self, spec: AppSpec) -> Path | None:
        return self._index if spec.prebuilt else None

    def _prepare(self, name: str, spec: AppSpec) -> tuple[Path, Path]:
        root = self._tmp.mktemp(f"app-{name}")
        docs = copy_seeds(root / "docs")
        for file_name, text in spec.documents.items():
            (docs / file_name).write_text(text, encoding="utf-8")
        return root, docs


@pytest.fixture(scope="session")
def app_launcher(tmp_path_factory: pytest.TempPathFactory, seeds_index: Path, warm_starter: WarmStarter) -> Iterator[AppLauncher]:
    """The session's app launcher (see ``AppLauncher``)."""
    launcher = AppLauncher(tmp_path_factory, seeds_index, warm_starter)
    yield launcher
    launcher.stop_all()


@pytest.fixture(scope="session", autouse=True)
def _start_apps_early(request: pytest.FixtureRequest) -> None:
    """Start, in the background, the warm-start server and every app the selected tests will ask for.

    In a pytest-xdist worker only the server: a worker is handed its tests as it goes, so the apps it will
    need are not known at its start; each starts when its first test needs it, while the other worker runs
    its tests.
    """
    if _XDIST_WORKER in os.environ:
        request.getfixturevalue("warm_starter")
        return
    wanted: dict[str, AppSpec] = {}
    warm = False
    for item in request.session.items:
        names = getattr(item, "fixturenames", ())
        warm = warm or any(name in names for name in ("warm_python", "serve_app", "module_app", "shared_app"))
        if "shared_app" in names:
            wanted["shared"] = SHARED_APP
        module = getattr(item, "module", None)
        if "module_app" in names and module is not None:
            wanted[module.__name__] = module.APP
    if warm:
        request.getfixturevalue("warm_starter")
    if wanted:
        launcher: AppLauncher = request.getfixturevalue("app_launcher")
        for name, spec in wanted.items():
            launcher.launch(name, spec)


@pytest.fixture(scope="module")
def module_app(request: pytest.FixtureRequest, app_launcher: AppLauncher) -> Iterator[RunningApp]:
    """This module's own app, as its ``APP`` (an ``AppSpec``) describes: for tests that change its documents or settings."""
    with app_launcher.serve(request.module.__name__, request.module.APP) as app:
        yield app


@pytest.fixture(scope="session")
def shared_app(app_launcher: AppLauncher) -> Iterator[RunningApp]:
    """One app for every test that only reads: the seeds plus ``SHARED_APP``'s documents, uploads capped at 1 MB."""
    with app_launcher.serve("shared", SHARED_APP) as app:
        yield app


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium: a missing browser fails the tests (`make test` installs it), it never skips them."""
    problem = chromium_problem()
    if problem:
        pytest.fail(problem, pytrace=False)
    with launch_chromium() as launched:
        yield launched
