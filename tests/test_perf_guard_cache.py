"""The guard's verdict cache: repeated queries skip the rdflib parse, verdicts stay the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server import guard
from server.evaluate import Evaluator, Job

SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
UPDATE = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
SERVICE = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
BROKEN = "SELECT ?s WHERE { ?s ?p"


@pytest.fixture(autouse=True)
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Count calls of rdflib's query parser (through the guard's reference to it)."""
    guard.clear_verdict_cache()
    calls: list[str] = []
    real = guard.parseQuery

    def counting(text: str) -> object:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(guard, "parseQuery", counting)
    yield calls
    guard.clear_verdict_cache()


def test_a_repeated_query_is_parsed_once(parses: list[str]) -> None:
    first = guard.check_query(SELECT, ())
    second = guard.check_query(SELECT, ())
    assert first == second and first.form == "SELECT"
    assert len(parses) == 1
    assert guard.verdict_cache_info().hits == 1


@pytest.mark.parametrize(("query", "cls", "status"), [
    (UPDATE, guard.UpdateForbidden, 403),
    (SERVICE, guard.ServiceForbidden, 403),
    (BROKEN, guard.QuerySyntaxError, 400),
    ("   ", guard.QuerySyntaxError, 400),
])
def test_rejections_are_cached_and_raised_again(parses: list[str], query: str,
                                                cls: type[guard.QueryRejected],
                                                status: int) -> None:
    raised = []
    for _ in range(3):
        with pytest.raises(cls) as info:
            guard.check_query(query, ())
        raised.append(info.value)
    assert all(exc.status == status for exc in raised)
    assert len({exc.message for exc in raised}) == 1
    assert raised[0] is not raised[1]  # a fresh exception each time (no shared traceback)
    assert len(parses) <= 1


def test_details_of_a_cached_rejection_cannot_be_corrupted_by_a_caller() -> None:
    with pytest.raises(guard.ServiceForbidden) as first:
        guard.check_query(SERVICE, ("http://allowed.example/sparql",))
    first.value.details["allowed"].append("http://example.org/sparql")
    with pytest.raises(guard.ServiceForbidden) as second:
        guard.check_query(SERVICE, ("http://allowed.example/sparql",))
    assert second.value.details["allowed"] == ["http://allowed.example/sparql"]


def test_the_allowlist_is_part_of_the_key(parses: list[str]) -> None:
    with pytest.raises(guard.ServiceForbidden):
        guard.check_query(SERVICE, ())
    checked = guard.check_query(SERVICE, ["http://example.org/sparql"])
    assert checked.services == ("http://example.org/sparql",)
    with pytest.raises(guard.ServiceForbidden):  # the earlier rejection still stands for ()
        guard.check_query(SERVICE, ())
    # the same allowlist in another order or container is the same key
    guard.check_query(SERVICE, ("http://example.org/sparql",))
    assert len(parses) == 2


def test_long_queries_are_never_cached(parses: list[str]) -> None:
    long = SELECT + "\n#" + "x" * guard.VERDICT_CACHE_MAX_CHARS
    guard.check_query(long, ())
    guard.check_query(long, ())
    assert len(parses) == 2
    assert guard.verdict_cache_info().currsize == 0


def test_the_cache_is_bounded(parses: list[str]) -> None:
    for i in range(guard.VERDICT_CACHE_SIZE + 10):
        guard.check_query(f"SELECT ?s WHERE {{ ?s ?p {i} }}", ())
    assert guard.verdict_cache_info().currsize == guard.VERDICT_CACHE_SIZE
    guard.check_query("SELECT ?s WHERE { ?s ?p 0 }", ())  # evicted first: parsed again
    assert len(parses) == guard.VERDICT_CACHE_SIZE + 11


def test_a_cached_rejection_is_still_refused_by_the_worker(tmp_path: Path) -> None:
    """The evaluator answers 403/400 every time, before touching the (missing) store."""
    evaluator = Evaluator(tmp_path / "no-store")
    for query, status in ((UPDATE, 403), (SERVICE, 403), (BROKEN, 400)):
        outcomes = [evaluator.run(Job(query=query)) for _ in range(2)]
        assert [o.status for o in outcomes] == [status, status]
        assert outcomes[0].error == outcomes[1].error
