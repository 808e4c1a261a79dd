"""The queries behind `kg stats`."""

from __future__ import annotations

PREFIX = ("PREFIX dkg: <https://w3id.org/dispute-kg/ontology#>\n"
          "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")

STATS_QUERIES: tuple[tuple[str, str], ...] = (
    ("Triples per graph",
     "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } "
     "GROUP BY ?graph ORDER BY ?graph"),
    ("Instances per dkg class",
     PREFIX + "SELECT ?class (COUNT(DISTINCT ?s) AS ?instances) WHERE { ?s a ?class . "
     "FILTER(STRSTARTS(STR(?class), STR(dkg:))) } "
     "GROUP BY ?class ORDER BY DESC(?instances) ?class"),
    ("Claims per claimant",
     PREFIX + "SELECT ?claimant (COUNT(DISTINCT ?claim) AS ?claims) WHERE { ?claim a dkg:Claim ; "
     "dkg:claimant/rdfs:label ?claimant . FILTER(LANG(?claimant) = 'en') } "
     "GROUP BY ?claimant ORDER BY DESC(?claims) ?claimant"),
    ("Disputes per aspect",
     PREFIX + "SELECT ?aspect (COUNT(DISTINCT ?d) AS ?disputes) WHERE { ?d a dkg:Dispute ; "
     "dkg:aspect ?aspect } GROUP BY ?aspect ORDER BY ?aspect"),
)
