"""server.engine.guard: the checks on the one reading of a query, and the canonical text that runs
(in process; the endpoint tests are in tests/server/test_one_reading.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from kg.catalogue import load_catalogue
from server.engine import guard
from server.engine.guard import read_query

ALLOWED = "https://query.wikidata.org/sparql"
EVIL = "http://127.0.0.1:9/sparql"
BASE = "http://localhost:8000/sparql"
E = "http://example.org/"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    guard.clear_verdict_cache()
    yield
    guard.clear_verdict_cache()


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.load(f"""@prefix e: <{E}> .
e:a e:p "x", "y\\\\u0041", 1 ; e:q e:b . e:b e:p "z"@fr ; e:r "a#b" .
""".encode(), format=ox.RdfFormat.TURTLE)
    return s


def rows(store: ox.Store, text: str, base: str | None = None) -> object:
    result = store.query(text, base_iri=base)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    fmt = ox.QueryResultsFormat.JSON if isinstance(result, ox.QuerySolutions) else \
        ox.RdfFormat.N_TRIPLES
    out = result.serialize(format=fmt)
    return sorted(out.decode().splitlines()) if fmt is ox.RdfFormat.N_TRIPLES else \
        sorted(json.dumps(b, sort_keys=True) for b in json.loads(out)["results"]["bindings"])


# --- the canonical text runs what the user wrote ---------------------------------------------

VALID = [
    f"PREFIX e: <{E}> SELECT ?o WHERE {{ e:a e:p ?o }}",
    f"PREFIX e: <{E}>\nSELECT ?o # the objects\r?p WHERE {{ e:a ?p ?o }}",
    f"PREFIX e: <{E}> PREFIX f: <{E}> SELECT * WHERE {{ e:a f:q ?b . ?b e:p ?o }}",
    f"BASE <{E}> SELECT ?o WHERE {{ <a> <p> ?o }}",
    f"BASE <http://other/> BASE <{E}x/> SELECT ?o WHERE {{ <../a> <../p> ?o }}",
    f"SELECT ?s WHERE {{ ?s <{E}p> \"y\\\\\\u00750041\" }}",
    f"SELECT ?s WHERE {{ ?s <{E}\\u0070> \"\\u0078\" }}",
    f"PREFIX e: <{E}> SELECT ?s WHERE {{ ?s e:r \"a#b\" }}",
    f"PREFIX e: <{E}> select distinct ?s where {{ ?s e:p ?o filter(isLiteral(?o) && ?o != 1) }}",
    f"PREFIX e: <{E}> ASK {{ e:a e:p 1 , \"x\" ; e:q [] }}",
    f"PREFIX e: <{E}> CONSTRUCT {{ ?s e:seen true }} WHERE {{ ?s e:p \"z\"@FR }}",
    f"PREFIX e: <{E}> SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(?p IN (e:p, e:q)) }}",
    f"PREFIX e: <{E}> SELECT ?x WHERE {{ BIND((1+2)*-3 AS ?x) }}",
    f"PREFIX e: <{E}> SELECT ?o WHERE {{ e:a e:q/e:p ?o }}",
    f"PREFIX e: <{E}> SELECT * WHERE {{ VALUES (?s ?o) {{ (e:a UNDEF) (e:b \"z\"@fr) }} "
    "?s e:p ?o }",
    f"PREFIX e: <{E}> SELECT ?o WHERE {{ e:a e:p ?o }} ORDER BY DESC(STR(?o)) LIMIT 2",
    f"PREFIX e: <{E}> DESCRIBE e:b",
    "SELECT (IRI(\"rel\") AS ?i) WHERE {}",
]


@pytest.mark.parametrize("query", VALID)
def test_the_canonical_text_answers_what_the_query_answers(store: ox.Store, query: str) -> None:
    reading = read_query(query, (), BASE)
    text = reading.text()
    assert "#" not in text.replace("a#b", ""), text  # no comment survives
    assert "\\u" not in text.replace("\\\\\\u0075", ""), text
    assert "PREFIX" not in text and "BASE" not in text
    assert rows(store, text, reading.base) == rows(store, query, BASE)


@pytest.mark.parametrize("name", sorted(load_catalogue()))
def test_every_saved_query_reads_and_keeps_its_rows(db: ox.Store, name: str) -> None:
    """The saved queries on the seed build: the canonical text gives the raw text's rows
    (SERVICE blocks aside: they are fetched by the server, see test_federation)."""
    q = load_catalogue()[name]
    reading = read_query(q.query, (ALLOWED,), BASE)
    if reading.services:
        return
    subs = q.bind({})
    got = db.query(reading.text(), use_default_graph_as_union=True, substitutions=subs)
    want = db.query(q.query, use_default_graph_as_union=True, substitutions=subs)
    if isinstance(got, ox.QueryTriples):
        assert set(got) == set(want)  # type: ignore[arg-type]
    else:
        assert [list(r) for r in got] == [list(r) for r in want]  # type: ignore[union-attr]


def test_relative_iris_resolve_against_the_endpoint_or_base() -> None:
    reading = read_query("CONSTRUCT { <s> <p> 1 } WHERE {}", (), BASE)
    assert "<http://localhost:8000/s> <http://localhost:8000/p> 1" in reading.text()
    assert reading.base == BASE
    with pytest.raises(guard.QuerySyntaxError, match="needs a BASE"):
        read_query("CONSTRUCT { <s> <p> 1 } WHERE {}", (), None)
    with pytest.raises(guard.QuerySyntaxError, match="not declared"):
        read_query("SELECT * WHERE { ?s e:p ?o }", (), BASE)
    with pytest.raises(guard.QuerySyntaxError, match="not a valid IRI"):
        read_query("SELECT * WHERE { ?s <http://a/%zz> ?o }", (), BASE)


def test_line_breaks_are_kept_so_lines_match() -> None:
    query = "PREFIX e: <http://e/>\n\nSELECT ?x # c\nWHERE {\n  ?x e:p '''a\nb''' .\n}"
    assert read_query(query, (), BASE).text().count("\n") == query.count("\n")


@pytest.mark.parametrize("query", [
    "SELECT ?x WHERE {\n  ?x ?p ?o ?z\n}",
    "SELECT ?x WHERE { ?x ?p \"é\\\"é\" . ?x ?p }",
    "# a comment\r\nSELECT * WHERE { ?s ?p ?o } LIMIT ?x",
    "SELECT ?x\n# a comment\nWHERE {\n\t?x ?p \"\"\"a\nb\"\"\" .\n\t?x ?p ?o ?o2 }",
    "PREFIX e: <http://e/>\nSELECT ?x WHERE {\n  ?x e:p e:o OPTIONAL ?x }",
])
def test_syntax_errors_point_where_pyoxigraph_points_in_the_users_text(store: ox.Store,
                                                                       query: str) -> None:
    with pytest.raises(SyntaxError) as own:
        store.query(query)
    where = re.search(r"error at (\d+):(\d+)", str(own.value))
    assert where, own.value
    assert syntax_error_at(store, query) == (int(where.group(1)), int(where.group(2)))


@pytest.mark.parametrize(("query", "where"), [
    # pyoxigraph stops at the end of the canonical text (after `+ )`) where it stopped at `+`
    ("PREFIX e: <http://e/>\nSELECT ?x WHERE { ?x e:p e:o FILTER(?x +) }", (2, 44)),
    # at the second '.', where pyoxigraph stopped at the '}' after it
    ("BASE <http://e/>\nSELECT ?x WHERE { ?x <p> 1 ; ; <q> . . }", (2, 38)),
])
def test_syntax_errors_point_at_a_token_of_the_users_text(store: ox.Store, query: str,
                                                          where: tuple[int, int]) -> None:
    assert syntax_error_at(store, query) == where


def syntax_error_at(store: ox.Store, query: str) -> tuple[int, int]:
    """Where the reported syntax error is, from pyoxigraph's error on the canonical text."""
    reading = read_query(query, (), BASE)
    with pytest.raises(SyntaxError) as raw:
        store.query(reading.text())
    exc = reading.syntax_error(str(raw.value))
    line, column = exc.details["line"], exc.details["column"]
    assert exc.message.startswith(f"syntax error at line {line}, column {column}: ")
    return line, column


def test_a_comparison_read_as_an_iri_gets_a_hint(store: ox.Store) -> None:
    reading = read_query("ASK { FILTER(?a<?b&&?c>?d) }", (), BASE)
    with pytest.raises(SyntaxError) as raw:
        store.query(reading.text())
    exc = reading.syntax_error(str(raw.value))
    assert exc.details["column"] == 16 and "spaces around <" in exc.message


# --- the policy ----------------------------------------------------------------------------------

@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "LOAD <http://127.0.0.1:9/x>", "CLEAR ALL",
    "PREFIX x: <urn:x#> WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "drop silent graph <urn:g>", "BASE <http://a/> COPY DEFAULT TO <g>",
])
def test_updates_are_forbidden(update: str) -> None:
    with pytest.raises(guard.UpdateForbidden):
        read_query(update, (), BASE)


SERVICE_POSITIONS = {
    "top": "SELECT * WHERE { SERVICE <URL> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <URL> { ?s ?p ?o } }",
    "optional": "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <URL> { ?s ?p ?x } } }",
    "union": "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE <URL> { ?s ?p ?o } } }",
    "minus": "SELECT * WHERE { ?s ?p ?o MINUS { SERVICE <URL> { ?s ?p ?o } } }",
    "subquery": "SELECT * WHERE { { SELECT * WHERE { SERVICE <URL> { ?s ?p ?o } } } }",
    "exists": "ASK { FILTER EXISTS { SERVICE <URL> { ?s ?p ?o } } }",
    "not-exists": "ASK { FILTER (NOT EXISTS { SERVICE <URL> { ?s ?p ?o } }) }",
    "graph": "SELECT * WHERE { GRAPH ?g { SERVICE <URL> { ?s ?p ?o } } }",
    "construct": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <URL> { ?s ?p ?o } }",
    "prefixed": "PREFIX x: <URL> SELECT * WHERE { SERVICE x: { ?s ?p ?o } }",
    "lowercase": "select * where { service silent <URL> { ?s ?p ?o } }",
}


@pytest.mark.parametrize("position", sorted(SERVICE_POSITIONS))
def test_service_in_every_position(position: str) -> None:
    query = SERVICE_POSITIONS[position].replace("URL", ALLOWED)
    reading = read_query(query, (ALLOWED,), BASE)
    (call,) = reading.services
    assert call.iri == ALLOWED and call.silent == ("silent" in query.lower())
    assert "SERVICE" not in reading.text(["VALUES ( ) { ( ) }"]).upper()
    with pytest.raises(guard.ServiceForbidden) as exc:
        read_query(SERVICE_POSITIONS[position].replace("URL", EVIL), (ALLOWED,), BASE)
    assert EVIL in exc.value.message


def test_a_service_nested_in_an_allowlisted_one_is_sent_along() -> None:
    query = (f"PREFIX wikibase: <http://wikiba.se/ontology#> SELECT * WHERE {{ SERVICE <{ALLOWED}>"
             " { ?i ?p ?o SERVICE wikibase:label { ?i ?q ?l } } }")
    (call,) = read_query(query, (ALLOWED,), BASE).services
    assert call.query() == ("SELECT * WHERE { ?i ?p ?o SERVICE <http://wikiba.se/ontology#label>"
                            " { ?i ?q ?l } }")
    assert call.variables == ("i", "p", "o", "q", "l")


@pytest.mark.parametrize("trick", [
    "SELECT * WHERE { SERVICE ?svc { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<URL> AS ?svc) SERVICE ?svc { ?s ?p ?o } }",
    "SELECT * WHERE { # x\rSERVICE <URL> { ?x ?b ?c }\n}",
    "SELECT * WHERE { # x\r\nSERVICE <URL> { ?x ?b ?c }\n}",
    "BASE <HOST/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <URL> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <ESCAPED> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql/../../URL> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <HTTPS://QUERY.WIKIDATA.ORG/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql#x> { ?s ?p ?o } }",
])
def test_service_tricks_are_forbidden(trick: str) -> None:
    query = (trick.replace("ESCAPED", EVIL.replace("sparql", "\\u0073parql"))
             .replace("URL", EVIL).replace("HOST", EVIL.rsplit("/", 1)[0]))
    with pytest.raises(guard.ServiceForbidden):
        read_query(query, (ALLOWED,), BASE)


@pytest.mark.parametrize("trick", [
    "SELECT * WHERE { # x\\u000DSERVICE <URL> { ?x ?b ?c } }",
    "SELECT * WHERE { ?s ?p \"\\u005Cu005C\" SERVICE <URL> { ?x ?b ?c } }",
    "SELECT * WHERE { ?s ?p \"\\\\u0022 } SERVICE <URL> { ?x ?b ?c } #\" }",
    "SELECT * WHERE { ?s ?p \"a\\u0022 . SERVICE <URL> { ?x ?b ?c } \" }",
    "SELECT * WHERE { ?s ?p <http://a\\u003E . SERVICE <URL> { ?x ?b ?c } #> }",
    "SELECT * WHERE { \\u0053ERVICE <URL> { ?x ?b ?c } }",
])
def test_escape_tricks_are_refused_as_ambiguous(trick: str) -> None:
    with pytest.raises(guard.AmbiguousQuery):
        read_query(trick.replace("URL", EVIL), (ALLOWED,), BASE)


def test_without_isolation_every_service_is_refused() -> None:
    with pytest.raises(guard.ServiceForbidden, match="could not take its query workers off"):
        read_query(f"SELECT * WHERE {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}", (ALLOWED,), BASE,
                   federate=False)


def test_form_and_dataset() -> None:
    r = read_query("PREFIX e: <http://e/> CONSTRUCT WHERE { ?s ?p ?o }", (), BASE)
    assert (r.form, r.kind, r.has_dataset) == ("CONSTRUCT", "graph", False)
    r = read_query("ASK FROM <http://g> FROM NAMED <http://h> { ?s ?p ?o }", (), BASE)
    assert (r.form, r.kind, r.has_dataset) == ("ASK", "results", True)
    with pytest.raises(guard.QuerySyntaxError):
        read_query("   # only a comment\n", (), BASE)
    with pytest.raises(guard.QuerySyntaxError):
        read_query("WHERE { ?s ?p ?o }", (), BASE)


def test_nesting_and_operators_are_bounded() -> None:
    fifty = "SELECT * WHERE " + "{ " * 50 + "?s ?p ?o " + "} " * 50
    read_query(fifty, (), BASE)
    deep = guard.MAX_DEPTH + 1
    with pytest.raises(guard.QueryTooComplex):
        read_query("SELECT * WHERE " + "{ " * deep + "?s ?p ?o " + "} " * deep, (), BASE)
    with pytest.raises(guard.QueryTooComplex):
        read_query("ASK { FILTER(" + "(" * deep + "1" + ")" * deep + ") }", (), BASE)
    many = guard.MAX_OPERATORS + 1
    with pytest.raises(guard.QueryTooComplex):
        read_query("SELECT (1" + " + 1" * many + " AS ?x) {}", (), BASE)
    with pytest.raises(guard.QueryTooComplex):
        read_query("SELECT (1" + " +1" * many + " AS ?x) {}", (), BASE)
    with pytest.raises(guard.QuerySyntaxError, match="unbalanced"):
        read_query("SELECT * WHERE { ?s ?p ?o ) }", (), BASE)


def test_the_largest_query_within_the_limits_does_not_crash_pyoxigraph() -> None:
    """MAX_DEPTH nested FILTER EXISTS (the most stack per bracket found) with MAX_OPERATORS
    BINDs inside: pyoxigraph parses and runs it without overflowing its stack (in a child
    process: an overflow kills the process)."""
    depth = guard.MAX_DEPTH
    binds = " ".join(f"BIND(1 AS ?x{i})" for i in range(guard.MAX_OPERATORS - 2 * depth))
    query = "SELECT * WHERE { " + "FILTER EXISTS { " * (depth - 2) + binds + " }" * (depth - 1)
    text = read_query(query, (), BASE).text()
    code = "import sys, pyoxigraph as ox; list(ox.Store().query(sys.stdin.read())); print('ok')"
    out = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True,
                         text=True, timeout=600)
    assert (out.returncode, out.stdout.strip()) == (0, "ok"), out.stderr[-500:]


# --- the reading cache -------------------------------------------------------------------------

SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"


def test_a_repeated_query_is_read_once() -> None:
    first = read_query(SELECT, (), BASE)
    assert read_query(SELECT, (), BASE) is first
    assert guard.verdict_cache_info().hits == 1


@pytest.mark.parametrize(("query", "cls"), [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", guard.UpdateForbidden),
    (f"SELECT * WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}", guard.ServiceForbidden),
    ("SELECT ?s WHERE { ?s ?p", guard.QuerySyntaxError),
])
def test_rejections_are_cached_and_raised_again_fresh(query: str,
                                                      cls: type[guard.QueryRejected]) -> None:
    raised = []
    for _ in range(3):
        with pytest.raises(cls) as info:
            read_query(query, (ALLOWED,), BASE)
        raised.append(info.value)
    assert len({exc.message for exc in raised}) == 1
    assert raised[0] is not raised[1]
    if cls is guard.ServiceForbidden:
        raised[0].details["allowed"].append("x")
        assert raised[1].details["allowed"] == [ALLOWED]


def test_the_cache_key_and_bounds() -> None:
    service = f"SELECT * WHERE {{ SERVICE <{E}> {{ ?s ?p ?o }} }}"
    with pytest.raises(guard.ServiceForbidden):
        read_query(service, (), BASE)
    assert read_query(service, [E], BASE).services[0].iri == E
    assert read_query("CONSTRUCT { <s> ?p ?o } WHERE {}", (), "http://a/").text() != \
        read_query("CONSTRUCT { <s> ?p ?o } WHERE {}", (), "http://b/").text()
    long = SELECT + "\n#" + "x" * guard.VERDICT_CACHE_MAX_CHARS
    read_query(long, (), BASE)
    before = guard.verdict_cache_info().currsize
    read_query(long, (), BASE)
    assert guard.verdict_cache_info().currsize == before
    for i in range(guard.VERDICT_CACHE_SIZE + 10):
        read_query(f"SELECT ?s WHERE {{ ?s ?p {i} }}", (), BASE)
    assert guard.verdict_cache_info().currsize == guard.VERDICT_CACHE_SIZE
