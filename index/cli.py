"""What both command lines (``python -m index``, ``python -m assistant``) do on the way out, whatever ends them."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

# The exit status of a command stopped by Ctrl-C (SIGINT) and of one whose output was closed (SIGPIPE), as the shell
# reports a command killed by either: 128 + the signal's number.
INTERRUPTED = 130
OUTPUT_CLOSED = 141


def one_line(name: str) -> str:
    """A file name as one line of a terminal: a character that is not printable (a newline or a tab in a name, which
    split a "added: NAME" line in two) shown escaped, as Python writes it ("line\\nbreak.txt"); any letter is kept."""
    return name if name.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def run_command(main: Callable[[], int], interrupted: str) -> int:
    """``main()``'s exit code. Ctrl-C ends the command with ``interrupted`` (what it leaves behind) and status 130,
    and a reader that closed the output early (``... | head -1``) ends it quietly with 141, as command-line tools do,
    instead of with a traceback; ``main`` closed the index on its way out either way."""
    try:
        return main()
    except KeyboardInterrupt:
        print(f"\ninterrupted: {interrupted}", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # Python flushes standard output once more as it exits, and would print that this failed too: point it at
        # nothing first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OUTPUT_CLOSED
