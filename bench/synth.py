"""Synthetic articles for the benchmarks: a thin wrapper around kg.synth (`kg synth`).

The generator moved into the `kg` package so that `kg synth` works from an installed package;
this module keeps `python bench/synth.py OUT --articles N | --triples X` and `import synth`
(bench/ on sys.path) working for the benchmark scripts and tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.synth import (  # noqa: E402
    ONTOLOGY_TRIPLES,
    TRIPLES_PER_ARTICLE,
    articles_for,
    check_quotes,
    main,
    synth,
    write,
)

__all__ = ["ONTOLOGY_TRIPLES", "TRIPLES_PER_ARTICLE", "articles_for", "check_quotes", "main",
           "synth", "write"]

if __name__ == "__main__":
    raise SystemExit(main())
