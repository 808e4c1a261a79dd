"""Readable, deterministic writers: sorted Turtle, TriG and JSON-LD from N-Triples lines.

The exporter reads the store as N-Triples (pyoxigraph's native writer) and sorts the lines once;
a term here is its N-Triples token (``<iri>``, ``_:label``, ``"lex"@lang``, ``"lex"^^<dt>``),
which is also what pyoxigraph's ``str(term)`` gives. The writers group sorted lines by subject,
order predicates (``rdf:type`` first) and objects, and yield text one subject at a time, so a
dump streams to disk and the same data always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import pyoxigraph as ox

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF + "type"
TYPE = f"<{RDF_TYPE}>"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_INTEGER = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
_DECIMAL = re.compile(r"^-?(?:0|[1-9][0-9]*)\.[0-9]+$")
_BARE = {XSD + "integer": _INTEGER, XSD + "decimal": _DECIMAL,
         XSD + "boolean": re.compile(r"^(?:true|false)$")}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
            "\f": "\\f"}
_SHORT = re.compile(r'[\\"\x00-\x1f\x7f]')
_LONG = re.compile(r'[\\\x00-\x09\x0b-\x1f\x7f]|"(?="|\Z)')  # a lone quote stays raw
_NT_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_NT_CHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
             "\\": "\\"}
_RANK = {"<": 0, "_": 1, '"': 2}  # IRIs, then blank nodes, then literals
_json = json.JSONEncoder(ensure_ascii=False).encode

Group = tuple[str, list[tuple[str, list[str]]]]  # subject, [(predicate, [object, ...]), ...]


class Prefixes:
    """Prefix table that shortens IRIs to prefixed names only where the result is valid."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.prefixes = dict(prefixes)
        # Longest namespace first, so nested namespaces pick the most specific prefix.
        self._by_ns = sorted(((ns, p) for p, ns in self.prefixes.items()),
                             key=lambda item: (-len(item[0]), item[1]))
        self._turtle: dict[str, str] = {}
        self._compact: dict[str, str] = {}
        self.known = self._turtle.get  # the Turtle of an IRI token seen before, or None

    def shorten(self, iri: str) -> str | None:
        """The prefixed name of ``iri``, or None if no prefix fits."""
        for ns, prefix in self._by_ns:
            if iri.startswith(ns) and _LOCAL.match(iri[len(ns):]):
                return f"{prefix}:{iri[len(ns):]}"
        return None

    def turtle(self, token: str) -> str:
        """An IRI token in Turtle: its prefixed name if one fits, else the token (remembered)."""
        term = self._turtle.get(token)
        if term is None:
            short = self.shorten(token[1:-1])
            term = self._turtle[token] = token if short is None else short
        return term

    def compact(self, token: str) -> str:
        """An IRI token in JSON-LD: its prefixed name if one fits, else the IRI (remembered)."""
        term = self._compact.get(token)
        if term is None:
            short = self.shorten(token[1:-1])
            term = self._compact[token] = token[1:-1] if short is None else short
        return term

    def header(self) -> str:
        return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in self.prefixes.items())


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    return _ESCAPES.get(ch) or f"\\u{ord(ch):04X}"


def _escape(text: str, long: bool = False) -> str:
    """Escape for a short string, or for a long one (raw newlines and lone quotes kept)."""
    return (_LONG if long else _SHORT).sub(_escape_char, text)


def _unescape_char(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    return chr(int(code, 16)) if code else _NT_CHARS[match.group(3)]


def literal_parts(token: str) -> tuple[str, str, str | None]:
    """Lexical form, datatype IRI and language tag of an N-Triples literal token."""
    close = token.rfind('"')
    lex, rest = token[1:close], token[close + 1:]
    value = _NT_ESCAPE.sub(_unescape_char, lex) if "\\" in lex else lex
    if rest.startswith("@"):
        return value, RDF + "langString", rest[1:]
    return value, (rest[3:-1] if rest else XSD_STRING), None


def literal_token(value: str, datatype: str | None = None, language: str | None = None) -> str:
    """The N-Triples token of a literal, as pyoxigraph writes it (built directly when plain)."""
    if not value.isascii() or _SHORT.search(value) or (language and not language.islower()):
        dt = ox.NamedNode(datatype) if datatype else None
        return str(ox.Literal(value, datatype=dt, language=language))
    if language:
        return f'"{value}"@{language}'
    return f'"{value}"' if datatype in (None, XSD_STRING) else f'"{value}"^^<{datatype}>'


def turtle_term(token: str, prefixes: Prefixes, *, verb: bool = False) -> str:
    """One term in Turtle syntax: prefixed name, ``a``, bare number, long or short string."""
    if token[0] == "<":
        return "a" if verb and token == TYPE else prefixes.turtle(token)
    if token[0] == "_":
        return token
    close = token.rfind('"')
    lex = token[1:close]
    if "\\" not in lex:  # nothing escaped in N-Triples: nothing to escape in Turtle either
        value = short_form = lex
    else:
        value = literal_parts(token)[0]
        short_form = _escape(value)
    rest = token[close + 1:]
    if rest.startswith("@"):
        return f'"{short_form}"{rest}'
    datatype = rest[3:-1] if rest else XSD_STRING
    bare = _BARE.get(datatype)
    if bare is not None and bare.match(value):
        return value
    quoted = f'"""{_escape(value, long=True)}"""' if "\n" in value else f'"{short_form}"'
    if datatype == XSD_STRING:
        return quoted
    return f"{quoted}^^{turtle_term(rest[2:], prefixes)}"


def object_key(token: str) -> tuple[int, str]:
    """Order terms: IRIs, then blank nodes, then literals, each by their N-Triples form."""
    return _RANK[token[0]], token


class _PredicateKeys(dict[str, tuple[int, str]]):
    """Sort key of a predicate token: ``rdf:type`` first, then by IRI (computed once each)."""

    def __missing__(self, token: str) -> tuple[int, str]:
        key = self[token] = ((0 if token == TYPE else 1), token[1:-1])
        return key


_PREDICATE_KEYS = _PredicateKeys()


def split_line(line: str) -> tuple[str, str, str]:
    """Subject, predicate and object tokens of an N-Triples line (without its newline)."""
    s, p, rest = line.split(" ", 2)
    return s, p, rest[:-2]


def subjects(lines: Iterable[str]) -> Iterator[Group]:
    """Group sorted, distinct N-Triples lines by subject, predicates and objects in output order.

    Sorted lines keep each subject together and subjects in N-Triples order; only predicates
    (``rdf:type`` first, then by IRI) and objects (IRIs before blank nodes before literals)
    need reordering within a subject.
    """
    subject: str | None = None
    preds: dict[str, list[str]] = {}
    for line in lines:
        s, p, rest = line.split(" ", 2)
        if s != subject:
            if subject is not None:
                yield subject, _ordered(preds)
            subject, preds = s, {}
        objs = preds.get(p)
        if objs is None:
            preds[p] = [rest[:-2]]
        else:
            objs.append(rest[:-2])
    if subject is not None:
        yield subject, _ordered(preds)


def _ordered(preds: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    for objs in preds.values():
        if len(objs) > 1 and objs[0][0] != objs[-1][0]:  # sorted: one kind if ends agree
            objs.sort(key=object_key)
    if len(preds) == 1:
        return list(preds.items())
    return [(p, preds[p]) for p in sorted(preds, key=_PREDICATE_KEYS.__getitem__)]


def _block(group: Group, prefixes: Prefixes, indent: str) -> str:
    """``s p o1 , o2 ;`` with an object per line when a predicate has several."""
    s, preds = group
    known = prefixes.known
    lines = [indent + (known(s) or turtle_term(s, prefixes))]
    last = len(preds) - 1
    for i, (p, objs) in enumerate(preds):
        end = " ." if i == last else " ;"
        verb = "a" if p == TYPE else known(p) or turtle_term(p, prefixes)
        if len(objs) == 1:
            term = known(objs[0]) or turtle_term(objs[0], prefixes)
            lines.append(f"{indent}    {verb} {term}{end}")
            continue
        lines.append(f"{indent}    {verb}")
        terms = [known(o) or turtle_term(o, prefixes) for o in objs]
        lines.extend(f"{indent}        {o} ," for o in terms[:-1])
        lines.append(f"{indent}        {terms[-1]}{end}")
    return "\n".join(lines) + "\n"


def _blocks(groups: Iterable[Group], prefixes: Prefixes, indent: str) -> Iterator[str]:
    """One block per subject, a blank line between blocks."""
    sep = ""
    for group in groups:
        yield sep + _block(group, prefixes, indent)
        sep = "\n"


def comment(text: str) -> str:
    """A text as ``#`` comment lines (a header for Turtle, TriG, N-Triples and N-Quads)."""
    return "".join(f"# {line}".rstrip() + "\n" for line in text.splitlines())


def turtle_chunks(groups: Iterable[Group], prefixes: Mapping[str, str],
                  header: str = "") -> Iterator[str]:
    """Sorted Turtle as text pieces: header comment, all given prefixes, one subject per block."""
    table = Prefixes(prefixes)
    yield comment(header) + ("\n" if header else "") + table.header() + "\n"
    yield from _blocks(groups, table, "")


def write_turtle(lines: Iterable[str], prefixes: Mapping[str, str], header: str = "",
                 first: Sequence[str] = ()) -> bytes:
    """Sorted Turtle of some N-Triples lines; subjects whose IRI is in ``first`` come first."""
    groups = list(subjects(sorted(set(lines))))
    heads = {f"<{iri}>": i for i, iri in enumerate(first)}
    front = sorted((g for g in groups if g[0] in heads), key=lambda g: heads[g[0]])
    rest = (g for g in groups if g[0] not in heads)
    return "".join(turtle_chunks([*front, *rest], prefixes, header)).encode()


def trig_chunks(graphs: Iterable[tuple[str, Iterable[Group]]], prefixes: Mapping[str, str],
                header: str = "") -> Iterator[str]:
    """Sorted TriG: ``graphs`` are (graph token, groups), the default graph ("") first."""
    table = Prefixes(prefixes)
    yield comment(header) + ("\n" if header else "") + table.header()
    for graph, groups in graphs:
        if not graph:
            yield "\n"
            yield from _blocks(groups, table, "")
            continue
        yield f"\nGRAPH {turtle_term(graph, table)} {{\n"
        yield from _blocks(groups, table, "    ")
        yield "}\n"


_PAD = ["\n" + " " * n for n in range(12)]  # a new line at each JSON nesting level


def _json_object(members: Sequence[str], level: int) -> str:
    """A JSON object of ``"key": value`` members laid out as ``json.dumps(indent=1)`` does."""
    pad = _PAD[level + 1]
    return "{" + pad + ("," + pad).join(members) + _PAD[level] + "}" if members else "{}"


def _jsonld_id(token: str, table: Prefixes) -> str:
    return table.compact(token) if token[0] == "<" else token


def _jsonld_value(token: str, table: Prefixes, level: int) -> str:
    """One object as JSON-LD at ``level``: a node reference, a plain string or a value object."""
    inner, end = _PAD[level + 1], _PAD[level] + "}"
    if token[0] in "<_":
        return "{" + inner + '"@id": ' + _json(_jsonld_id(token, table)) + end
    value, datatype, language = literal_parts(token)
    if language:
        return f'{{{inner}"@value": {_json(value)},{inner}"@language": {_json(language)}{end}'
    if datatype == XSD_STRING:
        return _json(value)
    kind = _json(table.compact(f"<{datatype}>"))
    return f'{{{inner}"@value": {_json(value)},{inner}"@type": {kind}{end}'


def _jsonld_keys(group: Group, table: Prefixes, level: int) -> list[str]:
    """``"key": value`` of one node: ``@id``, ``@type`` (when every type is an IRI), properties."""
    s, preds = group
    keys = ['"@id": ' + _json(_jsonld_id(s, table))]
    items, close = "," + _PAD[level + 2], _PAD[level + 1] + "]"
    for p, objs in preds:
        if p == TYPE and all(o[0] == "<" for o in objs):
            values = [_json(table.compact(o)) for o in objs]
            key = '"@type"'
        else:
            values = [_jsonld_value(o, table, level + 2) for o in objs]
            key = _json(table.compact(p))
        keys.append(f"{key}: [{_PAD[level + 2]}{items.join(values)}{close}")
    return keys


def _jsonld_entry(gid: str, group: Group | None, graph: Iterable[Group] | None,
                  table: Prefixes, level: int) -> Iterator[str]:
    """A top-level node: a default-graph subject, a named graph's ``@graph``, or both."""
    keys = _jsonld_keys(group, table, level) if group else ['"@id": ' + _json(gid)]
    pad = _PAD[level + 1]
    if graph is None:
        yield _json_object(keys, level)
        return
    yield "{" + "".join(f"{pad}{key}," for key in keys) + f'{pad}"@graph": ['
    sep = _PAD[level + 2]
    for node in graph:
        yield sep + _json_object(_jsonld_keys(node, table, level + 2), level + 2)
        sep = "," + _PAD[level + 2]
    yield ("]" if sep == _PAD[level + 2] else pad + "]") + _PAD[level] + "}"


def jsonld_chunks(default: Iterable[Group], graphs: Mapping[str, Callable[[], Iterable[Group]]],
                  prefixes: Mapping[str, str]) -> Iterator[str]:
    """JSON-LD 1.1, byte for byte ``json.dumps(doc, ensure_ascii=False, indent=1)`` of the doc.

    ``doc`` has the prefixes as ``@context`` and a ``@graph`` of nodes sorted by ``@id``: the
    default graph's subjects, and each named graph with its subjects as ``@graph``. ``graphs``
    maps graph tokens to functions giving their groups, called in output order.
    """
    table = Prefixes(prefixes)
    entries: dict[str, tuple[Group | None, str | None]] = {
        _jsonld_id(g[0], table): (g, None) for g in default}
    for graph in sorted(graphs):
        gid = _jsonld_id(graph, table)
        entries[gid] = (entries.get(gid, (None, None))[0], graph)
    context = _json_object([f"{_json(p)}: {_json(ns)}" for p, ns in table.prefixes.items()], 1)
    yield '{\n "@context": ' + context + ',\n "@graph": ['
    sep = _PAD[2]
    for gid, (group, token) in sorted(entries.items()):
        yield sep
        yield from _jsonld_entry(gid, group, graphs[token]() if token else None, table, 2)
        sep = "," + _PAD[2]
    yield ("]" if sep == _PAD[2] else _PAD[1] + "]") + "\n}\n"


def canonical_blank_nodes(quads: Sequence[tuple[str, str, str, str]]) -> dict[str, str]:
    """New tokens for blank nodes, from a hash of their surroundings, so labels survive a rebuild.

    ``quads`` are (subject, predicate, object, graph) tokens, the graph "" for the default
    graph; only quads with a blank node matter. A few rounds of colour refinement (1-WL); blank
    nodes the hashes cannot tell apart keep their relative store order. The data itself has none
    (the build writes none); an ontology written with OWL lists or restrictions may.
    """
    rows = [(s, p, o, g or "DEFAULT") for s, p, o, g in quads]  # str(DefaultGraph())
    bnodes = sorted({t[2:] for q in rows for t in (q[0], q[2], q[3]) if t[0] == "_"})
    if not bnodes:
        return {}
    colour = dict.fromkeys(bnodes, "")

    def show(t: str) -> str:
        return "_:" + colour[t[2:]] if t[0] == "_" else t

    for _ in range(4):
        sig: dict[str, list[str]] = {b: [] for b in bnodes}
        for s, p, o, g in rows:
            for pos, t in (("s", s), ("o", o), ("g", g)):
                if t[0] == "_":
                    sig[t[2:]].append(pos + " ".join((show(s), p, show(o), show(g))))
        colour = {b: hashlib.sha256("\n".join(sorted(sig[b])).encode()).hexdigest()
                  for b in bnodes}
    labels: dict[str, str] = {}
    seen: dict[str, int] = defaultdict(int)
    for b in sorted(bnodes, key=lambda b: (colour[b], b)):
        n = seen[colour[b]]
        seen[colour[b]] += 1
        labels["_:" + b] = f"_:b{colour[b][:16]}" + (f"x{n}" if n else "")
    return labels
