"""The queries the server writes itself: one `.rq` file each in server/views/queries/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

FOLDER = Path(__file__).parent / "queries"


@cache
def query(name: str) -> str:
    """The text of `queries/<name>.rq` (read once)."""
    return (FOLDER / f"{name}.rq").read_text(encoding="utf-8")
