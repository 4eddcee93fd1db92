"""The ``launchready`` command: argparse, then a lazy import of the one command that runs.

``--help``, ``--version`` and the headless commands never import Textual; only the wizard paths
(``launchready`` with no command, ``launchready demo``) do, inside ``main()``.

The bare wizard path (no arguments, or only ``--presenter``/``--debug``) does not import argparse at all: with
its gettext lookups, argparse is ~8 ms of the wizard's start that the minimal Textual app never pays. Anything
else (``--project``, abbreviations, ``--help``, a command) goes through argparse as before.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from launchready_tui import __version__

if TYPE_CHECKING:
    import argparse

# Command name -> module under launchready_tui.commands. Modules that are not built yet are left out.
COMMANDS: tuple[str, ...] = ("demo", "lab", "audit", "email", "secrets", "loadtest", "accounts", "handover")


def _command_module(name: str) -> str:
    return f"launchready_tui.commands.{name}"


# The top-level options' defaults, shared by the parser and the bare wizard path.
DEFAULT_PROJECT = "launchready.yaml"
# Flags that take no value: a command line made only of these needs no parser.
_BARE_FLAGS = frozenset({"--presenter", "--debug"})


def _base_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="launchready",
        description="From prototype to safe to demo and sell: live launch checks, risks in business terms, "
        "fixes for your provider, and a handover document. Without a command, opens the wizard.",
    )
    parser.add_argument("--version", action="version", version=f"launchready {__version__}")
    parser.add_argument("--project", metavar="PATH", default=DEFAULT_PROJECT,
                        help="project file for the wizard (default: ./launchready.yaml, created if absent)")
    parser.add_argument("--presenter", action="store_true", help="open the wizard in presenter mode")
    parser.add_argument("--debug", action="store_true", help="log details to stderr")
    return parser


def build_parser() -> argparse.ArgumentParser:
    import importlib
    import importlib.util

    parser = _base_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        if importlib.util.find_spec(_command_module(name)) is not None:
            importlib.import_module(_command_module(name)).add_parser(sub)
    return parser


def _names_a_command(argv: Sequence[str]) -> bool:
    """True unless this is the bare wizard path (only top-level options): the first pass of a two-pass CLI."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token == "--project":
            skip = True  # its value may look like a command name ("launchready --project demo")
        elif token in ("-h", "--help") or not token.startswith("-"):  # --version: the base parser has it
            return True
    return False


def parse(argv: Sequence[str]) -> argparse.Namespace | SimpleNamespace:
    # The wizard path skips importing every command module: it is what the first paint waits for.
    if all(token in _BARE_FLAGS for token in argv):
        return SimpleNamespace(command=None, project=DEFAULT_PROJECT, presenter="--presenter" in argv,
                               debug="--debug" in argv)
    if _names_a_command(argv):
        return build_parser().parse_args(argv)
    args = _base_parser().parse_args(argv)
    args.command = None
    return args


def _tolerant_stdout() -> None:
    """A non-UTF-8 locale (LANG=C without coercion, latin-1) shows '?' for what it cannot print, instead of a
    UnicodeEncodeError on the first '…' or check mark, --help included. UTF-8 terminals are untouched."""
    out = sys.stdout
    encoding = (getattr(out, "encoding", None) or "").lower().replace("_", "-")
    if out is not None and encoding not in ("utf-8", "utf8") and hasattr(out, "reconfigure"):
        out.reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_stdout()
    args: Any = parse(sys.argv[1:] if argv is None else argv)
    import logging

    logging.basicConfig(level=logging.DEBUG if args.debug else logging.CRITICAL, stream=sys.stderr)

    name = args.command or "wizard"
    try:
        if name == "wizard":
            from launchready_tui.commands.wizard import run_wizard

            return run_wizard(project=args.project, presenter=args.presenter)
        import importlib

        from launchready_tui.commands.common import headless_streams

        headless_streams(name, getattr(args, "output", None))
        return int(importlib.import_module(_command_module(name)).run(args))
    except BrokenPipeError:
        # The reader stopped early (`| head`) in the middle of a listing: nothing to say, like a C tool.
        from launchready_tui.commands.common import EXIT_BROKEN_PIPE, silence_stdout

        silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        from launchready_tui.commands.common import EXIT_CANCELLED, say

        say("launchready: cancelled")
        return EXIT_CANCELLED
    except Exception as exc:
        # Imported here: the wizard path reaches Textual without loading the commands' shared module.
        from launchready_tui.commands.common import EXIT_USAGE, say, user_errors
        from launchready_tui.core.redact import redact_text

        if isinstance(exc, user_errors()):
            # Messages quote what the user typed; a pasted URL or value may carry a password or key (stderr ends
            # up in CI logs), so it is redacted like evidence.
            say(f"launchready: error: {redact_text(str(exc))}")
            return EXIT_USAGE
        if isinstance(exc, PermissionError) and exc.filename and not args.debug:
            # A path the user gave (or one inside it) that this account may not read or enter: their input.
            say(f"launchready: error: cannot access {exc.filename}: permission denied")
            return EXIT_USAGE
        if args.debug:
            raise
        # A bug of ours: one line for the user, the details with --debug.
        say(f"launchready: internal error: {type(exc).__name__}: {redact_text(str(exc))} (run with --debug for "
            "details)")
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
