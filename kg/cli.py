"""The `kg` command: build, validate, inspect and query the knowledge graph.

`server.cli` adds `kg serve` to this app, so that `kg` never imports `server`.
"""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


def main() -> None:
    app()
