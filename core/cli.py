"""``python -m core COMMAND``: the command line for batch work and for checking the engine.

Each command lives in a module of ``core.commands`` that offers ``register(subparsers)``; the
parser calls ``args.handler(args)``. Bad input exits with code 2 and a message, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from sqlalchemy.exc import SQLAlchemyError

from core.csvio import printable
from core.errors import ProbationError

COMMAND_MODULES = ("core.commands.rating", "core.commands.ratings", "core.commands.demo", "core.commands.whatif", "core.commands.ingest",
                   "core.commands.access", "core.commands.backup")
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors also exit 2, with our wording
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except ProbationError as exc:  # messages may quote stored names: never let them drive the terminal
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SQLAlchemyError as exc:  # a store that cannot be opened or read: bad --db or DATABASE_URL
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: the store could not be used ({type(exc).__name__}): {first}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ModuleNotFoundError as exc:  # a URL naming a database driver that is not installed
        print(f"error: no driver for that database URL is installed ({exc.name}); use sqlite or postgresql+psycopg", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
