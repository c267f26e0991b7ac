"""The ``diagon`` command line.

``diagon run`` and ``diagon resume`` hand their arguments to Hydra; every other
sub-command is an argparse sub-parser contributed by a module in this package.
Each such module exposes ``register(subparsers)`` and sets ``func`` on its parser.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# sub-command modules, imported lazily so that `diagon run` never pays for them
_SUBCOMMAND_MODULES = ("resume", "sandbox", "cache", "compare", "report", "tasks")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="diagon",
        description="Diagon: labour markets of LLM agents.",
        epilog="`diagon run [hydra overrides]` runs a market; see README.md.",
    )
    from diagon import __version__

    parser.add_argument("--version", action="version", version=f"diagon {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run a market (arguments are Hydra overrides)", add_help=False)
    for name in _SUBCOMMAND_MODULES:
        module = importlib.import_module(f"diagon.cli.{name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``diagon`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        from diagon.cli.run import run_main

        return run_main(argv[1:])
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
