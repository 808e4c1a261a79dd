"""kg.sparql_lexer: one reading of SPARQL text, checked against pyoxigraph's own reading and
against SPARQL 1.1's (code point escapes decoded before parsing, §19.2)."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from kg.catalogue import load_catalogue
from kg.config import QUERIES_DIR
from kg.iri_reference import AmbiguousReference, resolve
from kg.sparql_lexer import SparqlLexError, lex, significant, write_iri, write_literal, write_string

STORE = ox.Store()


def oxi_value(text: str) -> str:
    """The value pyoxigraph reads for the term `text` (a literal or an IRI)."""
    row = next(iter(STORE.query(f"SELECT ({text} AS ?x) {{}}")))
    return row["x"].value


def spec_prepass(text: str) -> str:
    """SPARQL 1.1 §19.2: code point escapes decoded in the whole text, once, before parsing."""
    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})",
                  lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def spec_string_value(text: str) -> str:
    """What a SPARQL 1.1 reader gets from one double-quoted string literal."""
    decoded = spec_prepass(text)
    m = re.fullmatch(r'"((?:[^"\\\n\r]|\\[tbnrf"\'\\])*)"', decoded)
    assert m, f"SPARQL 1.1 does not read {text!r} as one string"
    echar = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f"}
    return re.sub(r"\\(.)", lambda e: echar.get(e.group(1), e.group(1)), m.group(1))


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.value) for t in significant(lex(text))]


def test_the_tokens_give_back_every_saved_query_and_rule_exactly() -> None:
    texts = [q.query for q in load_catalogue().values()]
    texts += [p.read_text(encoding="utf-8") for p in sorted((QUERIES_DIR / "rules").glob("*.rq"))]
    assert len(texts) > 15
    for text in texts:
        assert "".join(t.text for t in lex(text)) == text


@pytest.mark.parametrize(("end", "ended"), [("\n", True), ("\r", True), ("\r\n", True),
                                            ("\f", False), ("\v", False), ("\u2028", False)])
def test_a_comment_ends_at_cr_or_lf_only(end: str, ended: bool) -> None:
    toks = lex(f"ASK {{ # note{end}?s ?p ?o }}")
    comment = next(t for t in toks if t.kind == "comment")
    assert (comment.text == "# note") is ended
    if ended:
        assert [t.value for t in significant(toks)] == ["ASK", "{", "?s", "?p", "?o", "}"]


@pytest.mark.parametrize(("text", "value"), [
    (r'"a\u0041"', "aA"),  # decoded once
    (r'"\U0001F600"', "\U0001f600"),
    (r'"a\\u0041"', None),  # refused: SPARQL 1.1 decodes \u0041 after the escaped backslash
    (r'"a\\\u00750041"', "a\\u0041"),  # how a backslash-u is written safely
    (r'"a\u005Cn"', None),  # refused: decodes to a backslash
    (r'"a\u0022"', None),  # refused: decodes to the string's own quote
    (r"'a\u0022'", 'a"'),  # the other quote is only a character
    (r'"a\u000A"', None),  # refused: a line break in a one-line string
    (r'"""a\u000Ab"""', "a\nb"),
    (r'"\t\b\n\r\f\"\'\\"', "\t\b\n\r\f\"'\\"),
])
def test_string_escapes_are_read_once_and_as_pyoxigraph_reads_them(text: str,
                                                                   value: str | None) -> None:
    if value is None:
        with pytest.raises(SparqlLexError) as exc:
            lex(text)
        assert exc.value.ambiguous
        return
    (tok,) = lex(text)
    assert tok.kind == "string" and tok.value == value
    assert oxi_value(text) == value


@pytest.mark.parametrize(("text", "value"), [
    (r"<http://a/\u0073>", "http://a/s"),
    (r"<http://a/\U00000073>", "http://a/s"),
])
def test_iri_escapes_are_decoded_once(text: str, value: str) -> None:
    (tok,) = lex(text)
    assert (tok.kind, tok.value) == ("iri", value)
    assert oxi_value(text) == value


@pytest.mark.parametrize("text", [
    r"<http://a/\u003E>", r"<http://a/\u0020b>", r"<http://a/\u005Cu0041>", r"<http://a/\u007B>",
])
def test_an_iri_escape_decoding_to_a_character_iris_cannot_hold_is_refused(text: str) -> None:
    with pytest.raises(SparqlLexError) as exc:
        lex(text)
    assert exc.value.ambiguous


@pytest.mark.parametrize("text", [
    r"SELECT \u003Fx {}",  # a code point escape where SPARQL 1.1 reads a '?'
    "ASK { ?s ?p ?o } # \\u000A",  # an escaped LF ending a comment for SPARQL 1.1
    "ASK { ?s ?p ?o } # \\u000d",
    r"PREFIX e: <http://e/> ASK { e:a\u0041 ?p ?o }",  # in a prefixed name
])
def test_escapes_outside_strings_and_iris_are_refused(text: str) -> None:
    with pytest.raises(SparqlLexError) as exc:
        lex(text)
    assert exc.value.ambiguous
    assert exc.value.line == 1 and exc.value.column > 1


def test_other_escapes_in_comments_are_comment_text() -> None:
    toks = lex("ASK {} # caf\\u00e9 \\u005C")
    assert toks[-1].kind == "comment"


@pytest.mark.parametrize(("text", "expected"), [
    ("ex:a\\.b", [("pname", "ex:a.b")]),
    ("ex:a.", [("pname", "ex:a"), ("punct", ".")]),
    ("ex:%41b", [("pname", "ex:%41b")]),
    (":", [("pname", ":")]),
    ("SERVICE:x", [("pname", "SERVICE:x")]),  # longest match: a prefixed name, not SERVICE
    ("?a<?b&&?c>?d", [("var", "?a"), ("iri", "?b&&?c"), ("var", "?d")]),
    ("?a < ?b", [("var", "?a"), ("punct", "<"), ("var", "?b")]),
    ("1-1", [("number", "1"), ("number", "-1")]),
    (".5e3 1. 2", [("number", ".5e3"), ("number", "1"), ("punct", "."), ("number", "2")]),
    ("( ) [\t]", [("nil", "( )"), ("anon", "[\t]")]),
    ("'''a''b'''", [("string", "a''b")]),
    ("\"x\"@en-GB^^", [("string", "x"), ("langtag", "@en-GB"), ("punct", "^^")]),
    ("select DISTINCT isIri a", [("word", "SELECT"), ("word", "DISTINCT"), ("word", "ISIRI"),
                                 ("word", "a")]),
    ("_:b1 $v", [("bnode", "_:b1"), ("var", "$v")]),
])
def test_longest_match(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize("text", [
    "SELECT * { ?s ?p ?o } VERSION",  # not a SPARQL 1.1 keyword
    "ASK { ?s ?p \"x\"@en--ltr }",  # SPARQL 1.2 directional tag: '--ltr' is no token
    "ASK {\f}",  # form feed is not white space
    "ASK { ?a\U0001F600 ?p ?o }",  # pyoxigraph's names stop at U+FFFF
    "ASK { ?s ?p 'open }",
    "ASK { ?s ?p \"\\q\" }",
    "ASK { ?s ?p \"\\uD800\" }",
])
def test_what_is_not_sparql_11_tokens_is_refused(text: str) -> None:
    with pytest.raises(SparqlLexError):
        lex(text)


WRITTEN = ["plain", "", 'q"uote', "back\\slash", "a\\u0041", "a\\U00000041", "\\\\u0041",
           "line\nbreak\rcr", "tab\tff\f", "'''", '"""', "\\", "\\u", "é😀", "} ; DROP ALL #"]


@pytest.mark.parametrize("value", WRITTEN)
def test_a_written_string_is_read_the_same_by_everyone(value: str) -> None:
    text = write_string(value)
    (tok,) = lex(text)
    assert tok.value == value
    assert oxi_value(text) == value
    assert spec_string_value(text) == value


def test_written_terms() -> None:
    assert write_literal("x", language="fr") == '"x"@fr'
    assert write_literal("1", datatype="http://www.w3.org/2001/XMLSchema#integer") == \
        '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert write_literal("s", datatype="http://www.w3.org/2001/XMLSchema#string") == '"s"'
    for bad in ("http://a/b c", "http://a/>", "http://a/\\"):
        with pytest.raises(ValueError):
            write_iri(bad)


REFS = ["g:h", "g", "./g", "g/", "/g", "//g", "?y", "g?y", "#s", "g#s", "g?y#s", ";x", "g;x",
        "", ".", "./", "..", "../", "../g", "../..", "../../g", "../../../../g", "/./g", "/../g",
        "g.", ".g", "g..", "..g", "./../g", "./g/.", "g/./h", "g/../h", "g;x=1/../y",
        "g?y/../x", "g#s/../x", "http:g", "é/ü"]


@pytest.mark.parametrize("base", ["http://a/b/c/d;p?q", "http://e/sparql", "http://e",
                                  "http://e/x?q#f", "https://h:8/a/b/"])
def test_relative_iris_resolve_as_pyoxigraph_resolves_them(base: str) -> None:
    for ref in REFS:
        row = next(iter(STORE.query(f"BASE <{base}> SELECT (<{ref}> AS ?x) {{}}")))
        assert resolve(base, ref) == row["x"].value, ref


def test_dot_segments_against_a_base_without_authority_are_refused() -> None:
    assert resolve("urn:a:b", "g") == "urn:g"
    with pytest.raises(AmbiguousReference):
        resolve("urn:a:b", "g/../h")  # RFC 3986 gives urn:/h, pyoxigraph urn:h
