"""Check the dataset against ontology/shapes.ttl with pySHACL: all of it, a sample, or nothing.

pySHACL's `sh:sparql` constraints make it slow (about 9 claims/s on synthetic articles), so a
large build can validate a deterministic sample instead (`kg build --shacl sample:N`):

- the N articles whose ids have the smallest SHA-256 digests (stable whatever the folder order,
  and a given article is in or out of every sample of that size);
- the ontology graph, and the derived quads about the sampled articles' nodes (every derived
  subject with a triple pointing at one of the sampled articles' own nodes: the disputes over
  the sampled claims, the positions they take, the rule runs that used the articles, without
  their links to the other articles);
- as context, the derived nodes those link to (a position's dispute, the dispute's positions,
  a run's plan), not the rest of the derived graph, which grows with the corpus;
- every statement about a node the sample describes, wherever it is stored (a triple several
  articles state is stored once, in the first article's graph), except links to another
  article's own nodes (its mentions and claims, whose IRIs hold its id);
- as context only, the `rdf:type` triples of every other node the sample points at (`sh:class`
  needs them).

Only violations whose focus node the sample itself describes are counted: the context nodes are
not fully present, so what pySHACL says about them is noise. The other build checks (annotations,
anchors, references, rules) always run on every article, whatever the SHACL mode.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate

from kg.config import ONTOLOGY_NS

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
POSITION = ox.NamedNode(ONTOLOGY_NS + "position")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class ShaclMode:
    """How much of the graph the build validates: `all`, `off` or `sample` of `articles`."""

    kind: str = "all"
    articles: int = 0

    @classmethod
    def parse(cls, value: bool | str | ShaclMode | None) -> ShaclMode:
        """`True`/`"all"`, `False`/`None`/`"off"`, or `"sample:N"` (N ≥ 1 articles)."""
        if isinstance(value, ShaclMode):
            return value
        if value is True or value == "all":
            return cls("all")
        if value is False or value is None or value == "off":
            return cls("off")
        if isinstance(value, str) and value.startswith("sample:"):
            n = value.removeprefix("sample:")
            if n.isdigit() and int(n) >= 1:
                return cls("sample", int(n))
        raise ValueError(f"SHACL mode {value!r}: use all, off or sample:N (N ≥ 1 articles)")

    def __str__(self) -> str:
        return f"sample:{self.articles}" if self.kind == "sample" else self.kind


@dataclass(frozen=True)
class ShaclReport:
    conforms: bool
    violations: int
    text: str
    mode: str = "all"
    articles: tuple[str, ...] = ()  # the sampled article ids (empty for `all`)
    quads: int = 0  # quads given to pySHACL (sample plus context)


@dataclass
class Sample:
    """The quads a sample validates, the nodes it describes, and the articles it holds."""

    quads: list[ox.Quad] = field(default_factory=list)
    focus: set[str] = field(default_factory=set)  # IRIs of the nodes the sample describes
    articles: tuple[str, ...] = ()



def _name(term: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | ox.Triple) -> str:
    """The IRI (or blank node id) of a subject or graph name; '' for the default graph."""
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode) else ""

def pick_articles(article_ids: Iterable[str], n: int) -> tuple[str, ...]:
    """The `n` article ids with the smallest SHA-256 digests, in id order (deterministic)."""
    ranked = sorted(article_ids, key=lambda a: hashlib.sha256(a.encode("utf-8")).hexdigest())
    return tuple(sorted(ranked[:n]))


def sample(quads: list[ox.Quad], article_graphs: dict[str, str], derived_graph: str,
           ontology_graph: str, n: int) -> Sample:
    """Select the sample described in the module docstring.

    `article_graphs` maps each article id to its graph IRI.
    """
    chosen = pick_articles(article_graphs, n)
    graphs = {article_graphs[a] for a in chosen}
    others = set(article_graphs) - set(chosen)
    picked = [q for q in quads if _name(q.graph_name) in graphs]
    described = {_name(q.subject) for q in picked}
    derived = [q for q in quads if _name(q.graph_name) == derived_graph]
    # the derived nodes about the sampled articles' own nodes (their claims, their article): a
    # position whose value is a shared actor (Russia) is not, or every incident's would be
    own = set(chosen)
    about = {_name(q.subject) for q in derived
             if isinstance(q.object, ox.NamedNode) and q.object.value in described
             and not own.isdisjoint(q.object.value.split("/"))}
    described |= about
    picked += [q for q in quads if _name(q.graph_name) == ontology_graph]
    described |= {_name(q.subject) for q in picked}
    taken = set(picked)

    def foreign(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> bool:
        """A node of a non-sampled article (its IRI has that article's id as a segment)."""
        return isinstance(term, ox.NamedNode) and not others.isdisjoint(term.value.split("/"))

    # every statement about a described node, wherever it is stored (shared entities' triples
    # live in the first article's graph; derived triples about the sampled nodes), except links
    # to other articles' own nodes (their mentions, claims...); a dispute or position keeps all
    # its links (a dispute across articles names claims of both)
    def other_article(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> bool:
        """The node of a non-sampled article itself (a rule run used every article)."""
        if not isinstance(term, ox.NamedNode):
            return False
        kind, _, slug = term.value.rpartition("/")
        return kind.endswith("/article") and slug in others

    picked += [q for q in quads if _name(q.subject) in described and q not in taken
               and (_name(q.graph_name) == derived_graph
                    and not other_article(q.object) or not foreign(q.object))]
    # as context, the derived nodes those link to: a position's dispute, the dispute's other
    # positions, its rule run and plan (bounded by the sample's disputes: the whole derived
    # graph grows with the corpus)
    taken, by_subject = set(picked), derived_by_subject(derived)
    picked += [q for node in sorted(linked_derived(derived, about) - described)
               for q in by_subject.get(node, []) if q not in taken]
    pointed = {q.object.value for q in picked if isinstance(q.object, ox.NamedNode)} - described
    context = [q for q in quads if q.predicate == RDF_TYPE and _name(q.subject) in pointed]
    return Sample(picked + context, described, chosen)


def derived_by_subject(derived: list[ox.Quad]) -> dict[str, list[ox.Quad]]:
    out: dict[str, list[ox.Quad]] = {}
    for q in derived:
        out.setdefault(_name(q.subject), []).append(q)
    return out


def linked_derived(derived: list[ox.Quad], start: set[str]) -> set[str]:
    """The derived nodes reachable from `start` through derived triples, plus the dispute of
    each position in `start` (the only link followed backwards: a run is pointed at by every
    dispute, so following links backwards in general would take the whole graph)."""
    by_subject = derived_by_subject(derived)
    dispute_of = {q.object.value: _name(q.subject) for q in derived
                  if q.predicate == POSITION and isinstance(q.object, ox.NamedNode)}
    linked = set(start) | {dispute_of[n] for n in start if n in dispute_of}
    frontier = list(linked)
    while frontier:
        for q in by_subject.get(frontier.pop(), []):
            o = q.object
            if isinstance(o, ox.NamedNode) and o.value in by_subject and o.value not in linked:
                linked.add(o.value)
                frontier.append(o.value)
    return linked


def check(quads: list[ox.Quad], shapes: Path, focus: set[str] | None = None) -> ShaclReport:
    """Validate the union of `quads`' graphs against the shapes.

    With `focus`, only violations whose focus node is one of those IRIs count.
    """
    data = rdflib.Graph()
    triples = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                           format=ox.RdfFormat.N_TRIPLES) or b""
    data.parse(data=triples.decode("utf-8"), format="nt")
    shapes_graph = rdflib.Graph().parse(shapes, format="turtle")
    # with a focus, pySHACL applies the shapes to those nodes only: the context nodes (typed
    # so that sh:class finds their class) are not validated at all, not validated and ignored
    conforms, report_graph, text = validate(
        data, shacl_graph=shapes_graph, inference="none", advanced=True, allow_warnings=True,
        focus_nodes=sorted(focus) if focus else None)
    results = list(report_graph.subjects(rdflib.RDF.type, SH.ValidationResult))
    if focus is None:
        return ShaclReport(bool(conforms), len(results), str(text), quads=len(quads))
    kept = [r for r in results if str(report_graph.value(r, SH.focusNode)) in focus]
    lines = [f"{report_graph.value(r, SH.focusNode)}: {report_graph.value(r, SH.resultPath)}"
             f" — {report_graph.value(r, SH.resultMessage)}" for r in kept]
    return ShaclReport(not kept, len(kept), "\n".join(sorted(lines)), quads=len(quads))


def check_mode(quads: list[ox.Quad], shapes: Path, mode: ShaclMode,
               article_graphs: dict[str, str], derived_graph: str,
               ontology_graph: str) -> ShaclReport | None:
    """Run the check `mode` asks for (None for `off`)."""
    if mode.kind == "off":
        return None
    if mode.kind == "all":
        return check(quads, shapes)
    s = sample(quads, article_graphs, derived_graph, ontology_graph, mode.articles)
    r = check(s.quads, shapes, s.focus)
    return ShaclReport(r.conforms, r.violations, r.text, mode=str(mode), articles=s.articles,
                       quads=r.quads)
