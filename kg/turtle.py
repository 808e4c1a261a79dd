"""Readable, deterministic writers: sorted Turtle, TriG and JSON-LD from pyoxigraph quads.

pyoxigraph writes terms correctly but in index order, without blank lines, long strings or a
JSON-LD context; these writers sort subjects, predicates (``rdf:type`` first) and objects so the
same data always gives the same bytes, and a release diffs line by line against the previous one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_INTEGER = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
_DECIMAL = re.compile(r"^-?(?:0|[1-9][0-9]*)\.[0-9]+$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
            "\f": "\\f"}

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Graph = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


class Prefixes:
    """Prefix table that shortens IRIs to prefixed names only where the result is valid."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.prefixes = dict(prefixes)
        # Longest namespace first, so nested namespaces pick the most specific prefix.
        self._by_ns = sorted(((ns, p) for p, ns in self.prefixes.items()),
                             key=lambda item: (-len(item[0]), item[1]))

    def shorten(self, iri: str) -> str | None:
        """The prefixed name of ``iri``, or None if no prefix fits."""
        for ns, prefix in self._by_ns:
            if iri.startswith(ns) and _LOCAL.match(iri[len(ns):]):
                return f"{prefix}:{iri[len(ns):]}"
        return None

    def header(self) -> str:
        return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in self.prefixes.items())


def _escape(text: str, long: bool = False) -> str:
    """Escape for a short string, or for a long one (raw newlines and lone quotes kept)."""
    out = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        raw_quote = ch == '"' and i < last and text[i + 1] != '"'
        if long and (ch == "\n" or raw_quote):
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def turtle_term(term: Term, prefixes: Prefixes, *, verb: bool = False) -> str:
    """One term in Turtle syntax: prefixed name, ``a``, bare number, long or short string."""
    if isinstance(term, ox.NamedNode):
        if verb and term.value == RDF_TYPE:
            return "a"
        short = prefixes.shorten(term.value)
        return short if short is not None else f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        lex, dt = term.value, term.datatype.value
        if term.language:
            return f'"{_escape(lex)}"@{term.language}'
        if dt == XSD + "integer" and _INTEGER.match(lex):
            return lex
        if dt == XSD + "decimal" and _DECIMAL.match(lex):
            return lex
        if dt == XSD + "boolean" and lex in ("true", "false"):
            return lex
        quoted = f'"""{_escape(lex, long=True)}"""' if "\n" in lex else f'"{_escape(lex)}"'
        if dt == XSD + "string":
            return quoted
        return f"{quoted}^^{turtle_term(term.datatype, prefixes)}"
    raise TypeError(f"unsupported term {term!r}")


def sort_key(term: Term | Graph) -> tuple[int, str]:
    """Order terms: IRIs, then blank nodes, then literals, each by their N-Triples form."""
    rank = 0 if isinstance(term, ox.NamedNode) else 1 if isinstance(term, ox.BlankNode) else 2
    return rank, str(term)


def _predicate_key(p: ox.NamedNode) -> tuple[int, str]:
    return (0 if p.value == RDF_TYPE else 1), p.value


def _blocks(triples: Iterable[ox.Triple], prefixes: Prefixes, indent: str,
            first: Sequence[str] = ()) -> list[str]:
    """One block per subject, sorted: ``s p o1 , o2 ;`` with an object per line when several.

    Subjects whose IRI is in ``first`` come before the others, in that order.
    """
    by_subject: dict[Term, dict[ox.NamedNode, set[Term]]] = defaultdict(lambda: defaultdict(set))
    for t in triples:
        by_subject[t.subject][t.predicate].add(t.object)
    rank = {iri: i for i, iri in enumerate(first)}
    blocks = []
    for s in sorted(by_subject, key=lambda s: (rank.get(getattr(s, "value", ""), len(rank)),
                                              sort_key(s))):
        preds = by_subject[s]
        lines = [indent + turtle_term(s, prefixes)]
        ordered = sorted(preds, key=_predicate_key)
        for i, p in enumerate(ordered):
            objs = [turtle_term(o, prefixes) for o in sorted(preds[p], key=sort_key)]
            end = " ." if i == len(ordered) - 1 else " ;"
            verb = turtle_term(p, prefixes, verb=True)
            if len(objs) == 1:
                lines.append(f"{indent}    {verb} {objs[0]}{end}")
            else:
                lines.append(f"{indent}    {verb}")
                for j, o in enumerate(objs):
                    sep = end if j == len(objs) - 1 else " ,"
                    lines.append(f"{indent}        {o}{sep}")
        blocks.append("\n".join(lines) + "\n")
    return blocks


def comment(text: str) -> str:
    """A text as ``#`` comment lines (a header for Turtle, TriG, N-Triples and N-Quads)."""
    return "".join(f"# {line}".rstrip() + "\n" for line in text.splitlines())


def write_turtle(triples: Iterable[ox.Triple], prefixes: Mapping[str, str],
                 header: str = "", first: Sequence[str] = ()) -> bytes:
    """Sorted Turtle: header comment, all given prefixes, one subject per block."""
    table = Prefixes(prefixes)
    body = "\n".join(_blocks(triples, table, "", first))
    return (comment(header) + ("\n" if header else "") + table.header() + "\n" + body).encode()


def write_trig(quads: Iterable[ox.Quad], prefixes: Mapping[str, str], header: str = "") -> bytes:
    """Sorted TriG: default graph first, then each named graph by IRI as a ``GRAPH`` block."""
    table = Prefixes(prefixes)
    graphs: dict[Graph, list[ox.Triple]] = defaultdict(list)
    for q in quads:
        graphs[q.graph_name].append(q.triple)
    parts = [comment(header) + ("\n" if header else "") + table.header()]
    default = [g for g in graphs if isinstance(g, ox.DefaultGraph)]
    for g in default:
        parts.append("\n" + "\n".join(_blocks(graphs[g], table, "")))
    for g in sorted((g for g in graphs if not isinstance(g, ox.DefaultGraph)), key=sort_key):
        name = turtle_term(g, table)
        parts.append(f"\nGRAPH {name} {{\n" + "\n".join(_blocks(graphs[g], table, "    ")) + "}\n")
    return "".join(parts).encode()


def _jsonld_iri(iri: str, prefixes: Prefixes) -> str:
    short = prefixes.shorten(iri)
    return short if short is not None else iri


def _jsonld_value(term: Term, prefixes: Prefixes) -> object:
    if isinstance(term, ox.NamedNode):
        return {"@id": _jsonld_iri(term.value, prefixes)}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD + "string":
        return term.value
    return {"@value": term.value, "@type": _jsonld_iri(term.datatype.value, prefixes)}


def _jsonld_nodes(triples: Iterable[ox.Triple], prefixes: Prefixes) -> list[dict]:
    by_subject: dict[Term, dict[ox.NamedNode, set[Term]]] = defaultdict(lambda: defaultdict(set))
    for t in triples:
        by_subject[t.subject][t.predicate].add(t.object)
    nodes = []
    for s in sorted(by_subject, key=sort_key):
        node: dict[str, object] = {"@id": _jsonld_value(s, prefixes)["@id"]}  # type: ignore[index]
        for p in sorted(by_subject[s], key=_predicate_key):
            objs = sorted(by_subject[s][p], key=sort_key)
            if p.value == RDF_TYPE and all(isinstance(o, ox.NamedNode) for o in objs):
                node["@type"] = [_jsonld_iri(o.value, prefixes) for o in objs]
            else:
                key = _jsonld_iri(p.value, prefixes)
                node[key] = [_jsonld_value(o, prefixes) for o in objs]
        nodes.append(node)
    return nodes


def write_jsonld(quads: Iterable[ox.Quad], prefixes: Mapping[str, str]) -> bytes:
    """JSON-LD 1.1 with the project prefixes as context; each named graph kept as ``@graph``."""
    table = Prefixes(prefixes)
    graphs: dict[Graph, list[ox.Triple]] = defaultdict(list)
    for q in quads:
        graphs[q.graph_name].append(q.triple)
    top: list[dict] = []
    for g, triples in graphs.items():
        if isinstance(g, ox.DefaultGraph):
            top.extend(_jsonld_nodes(triples, table))
    named = sorted((g for g in graphs if not isinstance(g, ox.DefaultGraph)), key=sort_key)
    by_id = {node["@id"]: node for node in top}
    for g in named:
        gid = _jsonld_value(g, table)["@id"]  # type: ignore[index]
        node = by_id.get(gid)
        if node is None:
            node = by_id[gid] = {"@id": gid}
            top.append(node)
        node["@graph"] = _jsonld_nodes(graphs[g], table)
    top.sort(key=lambda n: str(n["@id"]))
    doc = {"@context": dict(table.prefixes), "@graph": top}
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode()


def canonical_blank_nodes(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Relabel blank nodes from a hash of their surroundings, so labels survive a rebuild.

    A few rounds of colour refinement (1-WL) over the quads; blank nodes the hashes cannot tell
    apart keep their relative store order. The data itself has none (DESIGN §2); an ontology
    written with OWL lists or restrictions may.
    """
    bnodes = sorted({t.value for q in quads for t in (q.subject, q.object, q.graph_name)
                     if isinstance(t, ox.BlankNode)})
    if not bnodes:
        return quads
    colour = dict.fromkeys(bnodes, "")

    def show(t: object) -> str:
        return "_:" + colour[t.value] if isinstance(t, ox.BlankNode) else str(t)

    for _ in range(4):
        sig: dict[str, list[str]] = {b: [] for b in bnodes}
        for q in quads:
            for pos, t in (("s", q.subject), ("o", q.object), ("g", q.graph_name)):
                if isinstance(t, ox.BlankNode):
                    parts = [show(q.subject), str(q.predicate), show(q.object), show(q.graph_name)]
                    sig[t.value].append(pos + " ".join(parts))
        colour = {b: hashlib.sha256("\n".join(sorted(sig[b])).encode()).hexdigest()
                  for b in bnodes}
    labels: dict[str, str] = {}
    seen: dict[str, int] = defaultdict(int)
    for b in sorted(bnodes, key=lambda b: (colour[b], b)):
        n = seen[colour[b]]
        seen[colour[b]] += 1
        labels[b] = f"b{colour[b][:16]}" + (f"x{n}" if n else "")

    def relabel(t):  # noqa: ANN001, ANN202 - any term position
        return ox.BlankNode(labels[t.value]) if isinstance(t, ox.BlankNode) else t

    return [ox.Quad(relabel(q.subject), q.predicate, relabel(q.object), relabel(q.graph_name))
            for q in quads]
