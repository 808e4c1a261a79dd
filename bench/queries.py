"""The benchmark queries: plain SPARQL text every server accepts (no pre-bound variables).

The saved queries `disputes` and `casualty-figures` are read from queries/*.rq: the `#+` header
is dropped and `?lang` (a parameter the project binds with substitutions) is bound with
`VALUES ?lang { "en" }` so that peers without substitutions run the same query; the optional
`incident` parameter stays open (every incident). `disputes` is paged (kg.catalogue.Paging):
`disputes` is its default page, what `/queries/disputes` answers by default (the issue's 100 ms
target is for it), and `disputes-all` the whole answer (`page_size=all`), both the same text
for every server.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = """PREFIX dkg: <https://w3id.org/dispute-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

DENIALS_VS_ASSERTIONS = PREFIX + """SELECT ?incident ?denial ?assertion ?type WHERE {
  ?denial dkg:stance/dkg:polarity dkg:negative ; dkg:about ?incident ;
          dkg:claimedEventType ?type .
  ?assertion dkg:stance/dkg:polarity dkg:positive ; dkg:about ?incident ;
             dkg:claimedEventType ?type .
}"""

TEXT_FILTER = PREFIX + """SELECT ?claim ?text WHERE {
  ?claim a dkg:Claim ; dkg:contentText ?text .
  FILTER(CONTAINS(LCASE(?text), "munitions"))
}"""

# Fallbacks, used only if queries/<name>.rq is missing.
FALLBACK = {
    "disputes": PREFIX + """PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?dispute ?incident ?aspect ?claim ?claimant ?content ?rule WHERE {
  ?dispute a dkg:Dispute ; dkg:about ?incident ; dkg:aspect ?aspect ;
           dkg:involvesClaim ?claim ;
           prov:wasGeneratedBy/prov:qualifiedAssociation/prov:hadPlan ?rule .
  ?claim dkg:claimant ?claimant ; dkg:contentText ?content .
} ORDER BY ?incident ?aspect ?dispute ?claim""",
    "casualty-figures": PREFIX + """SELECT ?incident ?claim ?claimant ?kind ?count WHERE {
  ?claim dkg:about ?incident ; dkg:claimant ?claimant ; dkg:reportsFigure ?f .
  ?f a dkg:CasualtyFigure ; dkg:figureKind ?kind ; dkg:count ?count .
} ORDER BY ?incident ?claimant ?kind ?count""",
}


def saved(name: str, default_page: bool = False) -> tuple[str, str]:
    """(query text, source) of a saved query, made self-contained; `default_page`: the first
    page at the default page size, for a paged query."""
    path = ROOT / "queries" / f"{name}.rq"
    if not path.exists():
        return FALLBACK[name], "bench/queries.py (fallback: queries/{name}.rq missing)"
    from kg.catalogue import Page, load_saved_query

    query = load_saved_query(path)
    text, what = query.query, ""
    if default_page and query.paging is not None:
        text = query.paging.text(text, Page(1, query.paging.size))
        what = f", its default page: {query.paging.size} {query.paging.unit}s"
    elif query.paging is not None:
        what = ", the whole answer (page_size=all)"
    if "?lang" in text:
        text = re.sub(r"WHERE\s*\{", 'WHERE {\n  VALUES ?lang { "en" }', text, count=1)
    return text, f"queries/{name}.rq (?lang bound to \"en\" by VALUES{what})"


def point_lookup(store: Path) -> str:
    from kg.store import build_info

    article = build_info(store)["articles"][0]
    claim = f"https://w3id.org/dispute-kg/id/claim/{article}/mod-denies-attack"
    return f"SELECT ?p ?o WHERE {{ <{claim}> ?p ?o }}"


def bench_queries(store: Path) -> tuple[dict[str, str], dict[str, str]]:
    disputes, d_src = saved("disputes", default_page=True)
    everything, a_src = saved("disputes")
    figures, f_src = saved("casualty-figures")
    # measured in this order; the whole `disputes` answer goes last: at 1M a server can still be
    # working on the requests the load generator abandoned when the run's time was up, and that
    # work would otherwise be charged to the queries measured after it
    queries = {"point-lookup": point_lookup(store), "disputes": disputes,
               "casualty-figures": figures, "denial-join": DENIALS_VS_ASSERTIONS,
               "text-filter": TEXT_FILTER, "disputes-all": everything}
    sources = {"point-lookup": "bench/queries.py (one claim's triples)", "disputes": d_src,
               "casualty-figures": f_src, "denial-join": "bench/queries.py",
               "text-filter": "bench/queries.py", "disputes-all": a_src}
    return queries, sources
