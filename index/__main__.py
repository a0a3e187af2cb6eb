"""Command line: ``python -m index sync DIR [--json] [--dry-run]``, ``status``, ``rebuild``."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from index import (
    IndexBusyError,
    IndexDamagedError,
    Indexer,
    IndexMismatchError,
    IndexSettings,
    IndexWriteError,
    Progress,
    SyncReport,
    UnsafeSyncError,
    build_indexer,
)
from index.cli import one_line, run_command
from index.plan import FREE_DELETES
from index.settings import invalid_settings
from index.sync import require_folder
from index.watch import RESCAN_S

ALLOW_DELETE_HELP = (
    "delete the index's documents even when all of them, or more than half (and more than "
    f"{FREE_DELETES}), are missing from the folder; without it such a sync is refused, since an "
    "unmounted drive or a mistyped path looks exactly like that. On a Chroma server shared by several "
    "instances it also lets this folder take over an index another documents folder built"
)


def _folder(text: str) -> Path:
    """The documents folder argument: an empty one (``sync "$DOCS"`` with ``DOCS`` unset) is an error, not this folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError('empty; name the documents folder ("." for this one)')
    return Path(text)


def _seconds(text: str) -> float:
    """A watch's interval: a finite number of seconds, 0 or more (``nan`` or ``inf`` would never sync)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, 0 or more: {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run one index command; returns the process exit code."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(prog="python -m index", description="Build and inspect the Citewise index.")
    commands = parser.add_subparsers(dest="command", required=True)
    sync = commands.add_parser("sync", help="index new and changed files, drop deleted ones")
    sync.add_argument("dir", type=_folder, nargs="?", help="documents folder (default: CITEWISE_DOCS_DIR)")
    sync.add_argument("--json", action="store_true", help="print one JSON object")
    sync.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    sync.add_argument("--watch", action="store_true", help="keep syncing as files change (Ctrl-C stops)")
    sync.add_argument("--debounce", type=_seconds, default=1.0, help="seconds of quiet before a watched change syncs")
    sync.add_argument(
        "--rescan",
        type=_seconds,
        default=RESCAN_S,
        help="with --watch: seconds between listings of the folder for changes no file event told of (a network "
        f"file system, a drive mounted over the folder); 0: events only (default {RESCAN_S:g})",
    )
    sync.add_argument("--allow-delete", action="store_true", help=ALLOW_DELETE_HELP)
    status = commands.add_parser("status", help="what the index holds")
    status.add_argument("--json", action="store_true")
    rebuild = commands.add_parser("rebuild", help="start over with the current settings")
    rebuild.add_argument("dir", type=_folder, nargs="?")
    rebuild.add_argument("--json", action="store_true")
    rebuild.add_argument("--allow-delete", action="store_true", help=ALLOW_DELETE_HELP)
    args = parser.parse_args(argv)
    if args.command == "sync" and args.watch and args.dry_run:  # a watch writes every change it sees
        parser.error("--dry-run shows one sync's changes; it does not go with --watch")

    try:
        settings = IndexSettings()
    except ValidationError as error:
        print(f"error: {invalid_settings(error)}", file=sys.stderr)
        return 2
    try:
        indexer = build_indexer(settings, rebuild=args.command == "rebuild")
    except (IndexMismatchError, IndexDamagedError, IndexWriteError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    indexer.on_lock_wait = _say_waiting(indexer)
    with contextlib.closing(indexer):  # the index's files and the reader processes, released on every way out
        try:
            return _run(indexer, args, settings)
        except IndexDamagedError as error:  # found by Chroma while reading: sync, rebuild's count or status
            print(f"error: {error}", file=sys.stderr)
            return 2


def _run(indexer: Indexer, args: argparse.Namespace, settings: IndexSettings) -> int:
    """Run the parsed command with ``indexer``; the exit code."""
    match args.command:
        case "sync":
            docs = args.dir or settings.docs_dir
            if args.watch:
                return _watch(indexer, docs, args)
            try:
                report = indexer.sync(
                    docs, dry_run=args.dry_run, progress=_progress_bar(args.json), allow_mass_delete=args.allow_delete
                )
            except (FileNotFoundError, UnsafeSyncError, IndexBusyError, IndexMismatchError, IndexWriteError) as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            _print_report(report, as_json=args.json)
            return 1 if report.failed else 0
        case "rebuild":
            try:
                report = indexer.rebuild(
                    args.dir or settings.docs_dir, progress=_progress_bar(args.json), allow_mass_delete=args.allow_delete
                )
            except (FileNotFoundError, UnsafeSyncError, IndexBusyError, IndexWriteError) as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            _print_report(report, as_json=args.json)
            return 1 if report.failed else 0
        case _:
            info = indexer.store.status().to_json()
            if args.json:
                print(json.dumps(info))
            else:
                for key, value in info.items():
                    print(f"{key}: {value}")
            return 0


def _say_waiting(indexer: Indexer) -> Callable[[Path], None]:
    def say(lock: Path) -> None:
        print(
            f"waiting for another sync to finish (lock file {lock}); giving up after {indexer.lock_timeout:g} s",
            file=sys.stderr,
        )

    return say


def _watch(indexer: Indexer, docs: Path, args: argparse.Namespace) -> int:
    from index.watch import watch  # watchdog, only when watching

    try:
        require_folder(docs)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"watching {docs} (Ctrl-C to stop)", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        watch(
            lambda progress: indexer.sync(docs, progress=progress, allow_mass_delete=args.allow_delete),
            docs,
            debounce=args.debounce,
            rescan=args.rescan,
            on_sync=lambda report: _print_report(report, as_json=args.json),
        )
    return 0


def _progress_bar(quiet: bool) -> Progress | None:
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(unit="file", file=sys.stderr, dynamic_ncols=True)

    def update(done: int, total: int, chunks: int) -> None:
        bar.total = total
        bar.n = done
        rate = chunks / bar.format_dict["elapsed"] if bar.format_dict["elapsed"] else 0.0
        bar.set_postfix(chunks=chunks, chunks_per_s=f"{rate:.1f}", refresh=False)
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def _print_report(report: SyncReport, *, as_json: bool) -> None:
    summary = report.summary()
    if as_json:
        print(json.dumps(summary))
        return
    prefix = "would be " if report.dry_run else ""
    for outcome in ("added", "updated", "deleted"):
        for source in getattr(report, outcome):
            print(f"{prefix}{outcome}: {one_line(source)}")
    for failure in report.failed:
        print(f"failed: {one_line(failure.path)}: {failure.error}")
    for warning in report.warnings:
        print(f"warning: {one_line(warning.path)}: {warning.error}")
    if report.skipped:
        # Not documents (a manual's stylesheets, scripts, images): one line, the paths are in --json's "skipped".
        print(f"skipped {report.skipped_files}")
    if report.dry_run and report.needs_confirmation:
        print(f"note: a real sync would refuse to delete these {len(report.deleted)} documents without --allow-delete")
    print(
        f"{summary['added']} added, {summary['updated']} updated, {summary['unchanged']} unchanged, "
        f"{summary['deleted']} deleted, {len(report.failed)} failed; {report.chunks} chunks in the index "
        f"({report.embedding_counts} in {report.seconds:.1f}s)"
    )


if __name__ == "__main__":
    sys.exit(run_command(main, "the index keeps what this command finished; the next sync completes the rest"))
