"""Derive disputes: run each rule of queries/rules/*.rq over the mapped graphs.

Each rule is a CONSTRUCT with `?rule` pre-bound to the rule's IRI, so every dispute names the
rule that found it (prov:wasGeneratedBy) and can be explained by reading that file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.config import PROJECT_ROOT, RULES_DIR, Iris
from kg.queryfiles import QueryFile, parse_query_file
from kg.terms import RDF, RDFS, XSD

Subject = ox.NamedNode | ox.BlankNode | ox.Triple
Object = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class RuleResult:
    name: str
    disputes: int


def load_rules(folder: Path = RULES_DIR) -> list[QueryFile]:
    rules = [parse_query_file(p) for p in sorted(folder.glob("*.rq"))]
    for rule in rules:
        title = rule.meta.get("title")
        if not (isinstance(title, dict) and {"en", "fr"} <= title.keys()):
            from kg.annotations import AnnotationError

            raise AnnotationError(rule.path, "metadata header needs `title: {en: …, fr: …}`",
                                  line=1)
    return rules


def run_rules(source: ox.Store, iris: Iris, rules: list[QueryFile]) -> tuple[list[ox.Quad],
                                                                             list[RuleResult]]:
    """Evaluate every rule over the union of `source`'s graphs; quads go to the derived graph."""
    graph = ox.NamedNode(iris.derived_graph)
    dkg = iris.term
    quads: set[ox.Quad] = set()
    results = []
    for rule in rules:
        rule_iri = ox.NamedNode(iris.resource("rule", rule.name))
        triples = [_suffix_disputes(t, rule.name) for t in source.query(
            rule.query, use_default_graph_as_union=True,
            substitutions={ox.Variable("rule"): rule_iri})]
        disputes = {t.subject for t in triples
                    if t.predicate == RDF.type and t.object == ox.NamedNode(dkg("Dispute"))}
        quads.update(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
        results.append(RuleResult(rule.name, len(disputes)))
        title = rule.meta["title"]
        description = " ".join(str(rule.meta.get("description", "")).split())
        relative = rule.path.resolve().relative_to(PROJECT_ROOT).as_posix() \
            if rule.path.resolve().is_relative_to(PROJECT_ROOT) else rule.path.name
        for s, p, o in (
            (rule_iri, RDF.type, ox.NamedNode(dkg("Rule"))),
            (rule_iri, RDFS.label, ox.Literal(title["en"], language="en")),
            (rule_iri, RDFS.label, ox.Literal(title["fr"], language="fr")),
            (rule_iri, RDFS.comment, ox.Literal(description, language="en")),
            (rule_iri, ox.NamedNode(dkg("queryFile")), ox.Literal(relative, datatype=XSD.anyURI)),
            (rule_iri, ox.NamedNode(dkg("queryText")), ox.Literal(rule.query)),
        ):
            quads.add(ox.Quad(s, p, o, graph))
        about = _first_about(triples)
        for dispute in disputes:
            labels = {lit.language: lit.value for lit in _labels(source, about.get(dispute))}
            for lang in ("en", "fr"):
                incident = labels.get(lang, "")
                quads.add(ox.Quad(dispute, RDFS.label,
                                  ox.Literal(f"{title[lang]} — {incident}", language=lang), graph))
    return sorted(quads, key=str), results


def _suffix_disputes(triple: ox.Triple, name: str) -> ox.Triple:
    """Rules mint one IRI per incident; the rule's name keeps disputes of different rules apart.

    (A value pre-bound with `substitutions` is not visible inside BIND, so the rule's name
    cannot be spliced into the IRI by the query itself.)
    """
    subject = triple.subject
    if isinstance(subject, ox.NamedNode) and "/id/dispute/" in subject.value:
        subject = ox.NamedNode(f"{subject.value}/{name}")
    return ox.Triple(subject, triple.predicate, triple.object)


def _first_about(triples: list[ox.Triple]) -> dict[Subject, Object]:
    """The first `…#about` object of each subject, in result order (one pass for all)."""
    about: dict[Subject, Object] = {}
    for t in triples:
        if t.predicate.value.endswith("#about"):
            about.setdefault(t.subject, t.object)
    return about


def _labels(source: ox.Store, incident: Object | None) -> list[ox.Literal]:
    """The literal `rdfs:label`s of what a dispute is about (none when it is about nothing)."""
    if incident is None:
        return []
    return [q.object for q in source.quads_for_pattern(incident, RDFS.label, None)
            if isinstance(q.object, ox.Literal)]
