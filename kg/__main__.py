"""`python -m kg`: the same as the `kg` command without `serve`."""

from kg.cli import main

main()
