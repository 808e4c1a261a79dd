"""The on-disk Oxigraph store and its atomic replacement.

Layout: ``<store>`` is a symbolic link to ``<store>.builds/<build-id>``. A build writes a new
directory next to the others and swaps the link with one ``rename``; readers that opened the old
directory keep their view until they reopen. A failed build never touches the link.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

KEEP_BUILDS = 2


class StoreMissing(FileNotFoundError):
    """No built store at the given path."""


def builds_dir(store: Path) -> Path:
    return store.with_name(store.name + ".builds")


def current_build(store: Path) -> Path | None:
    """The directory the store link points to, or None if nothing was built yet."""
    if store.is_symlink() or store.is_dir():
        target = store.resolve()
        return target if target.is_dir() else None
    return None


def open_read_only(store: Path) -> ox.Store:
    """Open the current build read-only (several processes may do this at once)."""
    target = current_build(store)
    if target is None:
        raise StoreMissing(f"no store at {store}: run `kg build` first")
    return ox.Store.read_only(str(target))


def build_info(store: Path) -> dict:
    """Metadata the build wrote beside the current store (version, build date, inputs)."""
    target = current_build(store)
    if target is None:
        raise StoreMissing(f"no store at {store}: run `kg build` first")
    sidecar = target.with_name(target.name + ".json")
    return json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}


@contextmanager
def new_build(store: Path, info: dict | None = None) -> Iterator[Path]:
    """Yield a fresh directory to write a store into; on success make it current atomically.

    ``info`` (JSON-serialisable) is written beside the build and read back by ``build_info``.
    On any exception the new directory is removed and the current link is left as it was.
    """
    parent = builds_dir(store)
    parent.mkdir(parents=True, exist_ok=True)
    build_id = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    target = parent / build_id
    work = parent / (build_id + ".partial")
    work.mkdir()
    try:
        yield work
        if info is not None:
            sidecar = target.with_name(target.name + ".json")
            sidecar.write_text(json.dumps(info, indent=2, sort_keys=True), encoding="utf-8")
        work.rename(target)
        _swap_link(store, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _prune(parent, keep=target)


def _swap_link(store: Path, target: Path) -> None:
    if store.exists() and not store.is_symlink():
        raise RuntimeError(f"{store} is a plain directory, not a link made by `kg build`")
    tmp = store.with_name(f".{store.name}.link-{os.getpid()}")
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(target, store.parent))
    os.replace(tmp, store)


def _prune(parent: Path, keep: Path) -> None:
    """Remove old builds, keeping the newest few (a server may still read the previous one)."""
    builds = sorted(p for p in parent.iterdir() if p.is_dir() and not p.name.endswith(".partial"))
    for old in builds[:-KEEP_BUILDS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
            old.with_name(old.name + ".json").unlink(missing_ok=True)
    for partial in parent.glob("*.partial"):
        if partial.stat().st_mtime < time.time() - 3600:
            shutil.rmtree(partial, ignore_errors=True)
