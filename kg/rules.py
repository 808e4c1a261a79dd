"""Derive disputes: run each rule of queries/rules/*.rq over the mapped graphs.

A rule is a plan (`dkg:Rule` ⊑ `prov:Plan`); each build records one run of it (`dkg:RuleRun` ⊑
`prov:Activity`: the articles it used, when it ended, the software that ran it, the rule as its
plan), and every dispute the rule finds is `prov:wasGeneratedBy` that run. Rules are CONSTRUCT
queries with `?run` pre-bound to the run's IRI; they mint deterministic dispute and position IRIs
(incident, aspect, figure kind), so every dispute can be explained by reading one file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.config import PROJECT_ROOT, RULES_DIR, Iris
from kg.queryfiles import QueryFile, parse_query_file
from kg.terms import PROV, RDF, RDFS, XSD

Subject = ox.NamedNode | ox.BlankNode | ox.Triple
Object = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
SOFTWARE = "kg-build"  # the software agent's slug (id/agent/kg-build)


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


def run_rules(source: ox.Store, iris: Iris, rules: list[QueryFile],
              ended: dt.datetime | None = None, version: str = "0.0.0",
              ) -> tuple[list[ox.Quad], list[RuleResult]]:
    """Evaluate every rule over the union of `source`'s graphs; quads go to the derived graph.

    `ended` is the time the runs are recorded as ended (the build's time); `version` names the
    software that ran them.
    """
    graph = ox.NamedNode(iris.derived_graph)
    quads: set[ox.Quad] = set()
    ended = ended or dt.datetime.now(dt.UTC)
    agent = ox.NamedNode(iris.resource("agent", SOFTWARE))
    articles = sorted({q.subject for q in source.quads_for_pattern(
        None, RDF.type, ox.NamedNode(iris.term("Article")), None)}, key=str)
    quads.update(ox.Quad(s, p, o, graph) for s, p, o in _agents(iris, agent, version))
    results = []
    for rule in rules:
        rule_iri = ox.NamedNode(iris.resource("rule", rule.name))
        run = ox.NamedNode(iris.resource("rule-run", rule.name))
        found = source.query(rule.query, use_default_graph_as_union=True,
                             substitutions={ox.Variable("run"): run})
        assert isinstance(found, ox.QueryTriples), f"{rule.path}: a rule is a CONSTRUCT"
        triples = list(found)
        disputes = {t.subject for t in triples
                    if t.predicate == RDF.type and t.object == ox.NamedNode(iris.term("Dispute"))}
        quads.update(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
        results.append(RuleResult(rule.name, len(disputes)))
        for s, p, o in (*_plan(iris, rule, rule_iri),
                        *_run(iris, rule.name, run, rule_iri, agent, articles, ended)):
            quads.add(ox.Quad(s, p, o, graph))
        about = _first_about(triples)
        title = rule.meta["title"]
        for dispute in disputes:
            labels = {lit.language: lit.value for lit in _labels(source, about.get(dispute))}
            for lang in ("en", "fr"):
                quads.add(ox.Quad(dispute, RDFS.label, ox.Literal(
                    f"{title[lang]} — {labels.get(lang, '')}", language=lang), graph))
    return sorted(quads, key=str), results


def _plan(iris: Iris, rule: QueryFile, rule_iri: ox.NamedNode) -> list[tuple]:
    """The rule as a plan: its titles, description, file and text."""
    title = rule.meta["title"]
    description = " ".join(str(rule.meta.get("description", "")).split())
    relative = rule.path.resolve().relative_to(PROJECT_ROOT).as_posix() \
        if rule.path.resolve().is_relative_to(PROJECT_ROOT) else rule.path.name
    return [
        (rule_iri, RDF.type, ox.NamedNode(iris.term("Rule"))),
        (rule_iri, RDFS.label, ox.Literal(title["en"], language="en")),
        (rule_iri, RDFS.label, ox.Literal(title["fr"], language="fr")),
        (rule_iri, RDFS.comment, ox.Literal(description, language="en")),
        (rule_iri, ox.NamedNode(iris.term("queryFile")), ox.Literal(relative, datatype=XSD.anyURI)),
        (rule_iri, ox.NamedNode(iris.term("queryText")), ox.Literal(rule.query)),
    ]


def _run(iris: Iris, name: str, run: ox.NamedNode, rule_iri: ox.NamedNode,
         agent: ox.NamedNode, articles: list, ended: dt.datetime) -> list[tuple]:
    """This build's run of one rule: a prov:Activity with its plan, agent, inputs and end."""
    association = ox.NamedNode(f"{run.value}/association")
    stamp = ended.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    triples = [
        (run, RDF.type, ox.NamedNode(iris.term("RuleRun"))),
        (run, RDF.type, PROV.Activity),
        (run, RDFS.label, ox.Literal(f"run of the rule {name}", language="en")),
        (run, RDFS.label, ox.Literal(f"exécution de la règle {name}", language="fr")),
        (run, PROV.wasAssociatedWith, agent),
        (run, PROV.qualifiedAssociation, association),
        (run, PROV.endedAtTime, ox.Literal(stamp, datatype=XSD.dateTime)),
        (association, RDF.type, PROV.Association),
        (association, PROV.agent, agent),
        (association, PROV.hadPlan, rule_iri),
    ]
    return triples + [(run, PROV.used, article) for article in articles]


def _agents(iris: Iris, software: ox.NamedNode, version: str) -> list[tuple]:
    """The software that runs the rules, and the annotators coreference hypotheses name."""
    annotators = ox.NamedNode(iris.resource("agent", "annotators"))
    return [
        (software, RDF.type, PROV.SoftwareAgent),
        (software, RDFS.label, ox.Literal(f"dispute-kg {version} (kg build)", language="en")),
        (software, RDFS.label, ox.Literal(f"dispute-kg {version} (kg build)", language="fr")),
        (annotators, RDF.type, PROV.Agent),
        (annotators, RDFS.label, ox.Literal("the annotators of the articles", language="en")),
        (annotators, RDFS.label, ox.Literal("les annotateurs des articles", language="fr")),
    ]


def _first_about(triples: list[ox.Triple]) -> dict[Subject, Object]:
    """The first `…#about` object of each subject, in result order (one pass for all)."""
    about: dict[Subject, Object] = {}
    for t in triples:
        if t.predicate.value.endswith("#about"):
            about.setdefault(t.subject, t.object)
    return about


def _labels(source: ox.Store, incident: Object | None) -> list[ox.Literal]:
    """The literal `rdfs:label`s of what a dispute is about (none when it is about nothing)."""
    if not isinstance(incident, ox.NamedNode | ox.BlankNode):
        return []
    return [q.object for q in source.quads_for_pattern(incident, RDFS.label, None)
            if isinstance(q.object, ox.Literal)]
