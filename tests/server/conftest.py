"""Fixtures of the endpoint tests (the helpers are in tests/harness.py): the app over the
fixture store in this process (`server`), and the same as a `kg serve` process
(`process_server`) for the tests where the process is the point."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_data import build_fixture_store
from harness import (
    InProcess,
    Recorder,
    Server,
    fixture_args,
    fixture_settings,
    in_process,
    recording_socket,
    seed_settings,
    standin_endpoint,
    start_server,
    stop_server,
)


@pytest.fixture(scope="session")
def recorder() -> Iterator[Recorder]:
    with recording_socket() as rec:
        yield rec


@pytest.fixture(scope="session")
def standin() -> Iterator[tuple[str, list[str]]]:
    with standin_endpoint() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the small TriG fixture (shapes of the real build)."""
    return build_fixture_store(tmp_path_factory.mktemp("fixture-store") / "store")


# The in-process apps are module-scoped: closing a worker pool (server.engine.workers.WorkerPool.close)
# kills every child process of this process, so an app must not outlive a module that closes
# another pool. Once the pool kills only its own workers they can be session-scoped.


@pytest.fixture(scope="module")
def server(fixture_store: Path, standin: tuple[str, list[str]]) -> Iterator[InProcess]:
    """The app over the fixture store, in this process, with short limits for the tests."""
    with in_process(**fixture_settings(fixture_store, standin[0])) as app:
        yield app


@pytest.fixture(scope="session")
def process_server(fixture_store: Path, standin: tuple[str, list[str]],
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same as a real `kg serve` process on a loopback port."""
    log = tmp_path_factory.mktemp("server-log") / "server.log"
    srv = start_server(fixture_store, log,
                       *fixture_args(fixture_settings(fixture_store, standin[0])))
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def seed(built_store: Path, standin: tuple[str, list[str]]) -> Iterator[InProcess]:
    """The app over the real build of seeds/, in this process; saved queries' Wikidata calls
    go to the stand-in."""
    with in_process(**seed_settings(built_store, standin[0])) as app:
        yield app
