"""Dumps: every format round-trips to what the store holds, byte for byte stable."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.export import (
    FORMATS,
    SUMS,
    VOID_FILE,
    classify,
    export_dumps,
    publish,
    release_of,
    stage_dumps,
)
from kg.store import build_info, current_build, new_build, open_read_only
from kg.void import validate_void

BASE = "https://w3id.org/dispute-kg/"
ARTICLE = "kharkiv-2026-01-02-bbc-fr"
BUILT_AT = "2026-01-03T10:20:30Z"

# The same graph layout as a real build: one graph per article, derived, ontology.
SAMPLE_TRIG = f"""
@prefix dkg: <{BASE}ontology#> .
@prefix schema: <http://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <{BASE}id/> .

<{BASE}graph/{ARTICLE}> {{
  id:article\\/{ARTICLE} a dkg:Article, schema:NewsArticle, nif:Context ;
    schema:url <https://www.bbc.com/afrique/articles/example> ;
    schema:publisher id:actor\\/bbc ;
    schema:datePublished "2026-01-03"^^xsd:date ;
    nif:isString \"\"\"Deux personnes, dont un enfant de trois ans, ont été tuées.
Le ministère russe a démenti : « une \\"détonation\\" de munitions ».\\\\ fin ""x"\\"\"\"\" .
  id:actor\\/bbc a dkg:Actor ; schema:name "BBC" ; rdfs:label "BBC"@en, "BBC"@fr .
  id:incident\\/kharkiv-strike a dkg:Incident ; rdfs:label "Frappe sur Kharkiv"@fr ;
    prov:wasDerivedFrom id:mention\\/m-0-60 .
  id:mention\\/m-0-60 a nif:OffsetBasedString ; nif:beginIndex 0 ; nif:endIndex 60 ;
    nif:anchorOf "Deux personnes, dont un enfant de trois ans, ont été tuées." ;
    nif:referenceContext id:article\\/{ARTICLE} .
  id:claim\\/ukraine-killed a dkg:Claim ; dkg:about id:incident\\/kharkiv-strike ;
    dkg:reportsFigure id:figure\\/killed-2 ; dkg:confidence 0.75 ; dkg:verified false .
  id:claim\\/russia-denies a dkg:Claim ; dkg:about id:incident\\/kharkiv-strike ;
    schema:text "Tab\\tand \\u0001 control" .
  id:figure\\/killed-2 a dkg:CasualtyFigure ; dkg:count 2 ; dkg:big "12"^^xsd:integer ;
    dkg:odd "007"^^xsd:integer ; dkg:ratio "1.0E2"^^xsd:double .
}}

<{BASE}graph/derived> {{
  id:dispute\\/kharkiv-cause a dkg:Dispute ;
    dkg:between id:claim\\/ukraine-killed, id:claim\\/russia-denies ;
    prov:wasGeneratedBy id:rule\\/deny-vs-assert .
  id:incident\\/kharkiv-strike dkg:disputed true .
}}

<{BASE}graph/ontology> {{
  dkg:Claim a owl:Class ; rdfs:subClassOf schema:Claim, prov:Entity ;
    rdfs:label "Claim"@en, "Affirmation"@fr .
  dkg:Incident a owl:Class ; rdfs:label "Incident"@en .
  dkg:about a owl:ObjectProperty ; rdfs:domain dkg:Claim .
}}
"""


def build_sample(store: Path, trig: str = SAMPLE_TRIG, built_at: str = BUILT_AT) -> Path:
    """A small store with the real build's graph layout and sidecar metadata."""
    info = {"version": "0.1.0", "built_at": built_at, "articles": [ARTICLE], "base": BASE}
    with new_build(store, info=info) as work:
        st = ox.Store(str(work))
        st.bulk_load(trig.encode(), ox.RdfFormat.TRIG)
        st.optimize()
        st.flush()
        del st
    return store


@pytest.fixture(scope="module", params=["built", "sample"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real build of seeds/ (conftest's ``built_store``), and a sample with awkward literals."""
    if request.param == "built":
        return Path(request.getfixturevalue("built_store"))
    return build_sample(tmp_path_factory.mktemp("store") / "store")


@pytest.fixture(scope="module")
def dumps(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dumps")
    export_dumps(store, out)
    return out


VERSION = "0.1.0-20260103"


def ver(dumps: Path) -> str:
    """The version an export wrote (from its marker file)."""
    return json.loads((dumps / ".export.json").read_text(encoding="utf-8"))["version"]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def store_quads(store: Path) -> list[ox.Quad]:
    return list(open_read_only(store).quads_for_pattern(None, None, None, None))


def to_rdflib(term: object) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    assert isinstance(term, ox.Literal)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:  # RDF 1.1: simple literal == xsd:string; rdflib differs
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def reference_graphs(store: Path) -> dict[str, rdflib.Graph]:
    """What the store holds, per graph name and as the merged union ('*')."""
    graphs: dict[str, rdflib.Graph] = {"*": rdflib.Graph()}
    for q in store_quads(store):
        triple = (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
        graphs.setdefault(q.graph_name.value, rdflib.Graph()).add(triple)
        graphs["*"].add(triple)
    return graphs


def read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


OX_FORMAT = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "trig": ox.RdfFormat.TRIG,
             "nq": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}
RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "trig": "trig", "nq": "nquads", "jsonld": "json-ld"}
QUAD_FORMATS = {"trig", "nq", "jsonld"}


def ox_graphs(data: bytes, fmt: str) -> dict[str, rdflib.Graph]:
    """Load into a fresh pyoxigraph store; return its graphs (and union) as rdflib graphs."""
    st = ox.Store()
    st.load(data, OX_FORMAT[fmt])
    graphs: dict[str, rdflib.Graph] = {"*": rdflib.Graph()}
    for q in st:
        triple = (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
        key = "" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
        graphs.setdefault(key, rdflib.Graph()).add(triple)
        graphs["*"].add(triple)
    return graphs


def rdflib_graphs(data: bytes, fmt: str) -> dict[str, rdflib.Graph]:
    """Parse with rdflib; return its named graphs (and union) keyed like ``ox_graphs``."""
    if fmt not in QUAD_FORMATS:
        g = rdflib.Graph().parse(data=data, format=RDFLIB_FORMAT[fmt])
        return {"": g, "*": g}
    ds = rdflib.Dataset()
    ds.parse(data=data, format=RDFLIB_FORMAT[fmt])
    graphs: dict[str, rdflib.Graph] = {"*": rdflib.Graph()}
    for s, p, o, g in ds.quads((None, None, None, None)):
        g = getattr(g, "identifier", g)
        key = "" if g is None or g == DATASET_DEFAULT_GRAPH_ID else str(g)
        graphs.setdefault(key, rdflib.Graph()).add((s, p, o))
        graphs["*"].add((s, p, o))
    return graphs


def assert_same(got: dict[str, rdflib.Graph], want: dict[str, rdflib.Graph], quads: bool) -> None:
    if quads:
        named = {k: v for k, v in got.items() if k not in ("*", "") and len(v)}
        assert set(named) == set(want) - {"*"}
        assert not len(got.get("", rdflib.Graph()))
        for name, graph in want.items():
            assert isomorphic(got[name], graph), name
    else:
        assert isomorphic(got["*"], want["*"])


@pytest.mark.parametrize("suffix", [f.suffix for f in FORMATS if not f.ontology_only])
def test_dump_round_trips_in_pyoxigraph_and_rdflib(store: Path, dumps: Path, suffix: str) -> None:
    data = read(dumps / f"dispute-kg-{ver(dumps)}.{suffix}")
    fmt = suffix.removesuffix(".gz")
    want = reference_graphs(store)
    assert len(want["*"]) > 30
    assert_same(ox_graphs(data, fmt), want, fmt in QUAD_FORMATS)
    assert_same(rdflib_graphs(data, fmt), want, fmt in QUAD_FORMATS)


def test_ontology_dump_is_the_ontology_graph(store: Path, dumps: Path) -> None:
    data = read(dumps / f"dispute-kg-ontology-{ver(dumps)}.ttl")
    want = reference_graphs(store)[BASE + "graph/ontology"]
    assert isomorphic(rdflib.Graph().parse(data=data, format="turtle"), want)
    assert isomorphic(ox_graphs(data, "ttl")["*"], want)


def test_turtle_is_readable_and_sorted(dumps: Path) -> None:
    text = (dumps / f"dispute-kg-{ver(dumps)}.ttl").read_text(encoding="utf-8")
    assert text.startswith("# dispute-kg")
    assert "CC BY 4.0" in text and "belongs to its publisher (BBC)" in text
    assert "@prefix dkg: <https://w3id.org/dispute-kg/ontology#> ." in text
    assert '"""Deux personnes' in text  # multi-line text as a long string
    blocks = [b for b in text.split("\n\n") if b and not b.startswith(("#", "@prefix"))]
    subjects = [b.split("\n", 1)[0] for b in blocks]
    assert len(subjects) == len(set(subjects)), "one block per subject"
    iris = [s for s in subjects if s.startswith("<")]
    assert iris == sorted(iris)
    nt = gzip.decompress((dumps / f"dispute-kg-{ver(dumps)}.nt.gz").read_bytes()).splitlines()
    body = [line for line in nt if not line.startswith(b"#")]
    assert body == sorted(body) and nt[0].startswith(b"# dispute-kg")


def test_jsonld_uses_project_prefixes(dumps: Path) -> None:
    doc = json.loads((dumps / f"dispute-kg-{ver(dumps)}.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"]["dkg"] == BASE + "ontology#"
    assert doc["@context"]["schema"] == "http://schema.org/"
    ids = [g["@id"] for g in doc["@graph"]]
    assert BASE + "graph/derived" in ids
    text = json.dumps(doc)
    assert '"dkg:Claim"' in text and '"dkg:about"' in text


def test_two_exports_are_byte_identical(store: Path, dumps: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    export_dumps(store, again)
    first = {p.name: p.read_bytes() for p in sorted(dumps.iterdir())}
    second = {p.name: p.read_bytes() for p in sorted(again.iterdir())}
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name


def test_dumps_of_the_dataset_in_memory_equal_the_stores(store: Path, dumps: Path,
                                                        tmp_path: Path) -> None:
    """`kg build` renders the dumps from its in-memory dataset: the bytes must be the store's."""
    memory = ox.Store()
    memory.bulk_extend(store_quads(store))
    out = tmp_path / "from-memory"
    staged = stage_dumps(release_of(memory, build_info(store)), out)
    assert not any(p for p in out.iterdir() if not p.name.startswith("."))  # nothing visible yet
    publish(staged, current_build(store).name)
    first = {p.name: p.read_bytes() for p in sorted(dumps.iterdir())}
    second = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name


def test_gzip_header_has_no_name_or_time(dumps: Path) -> None:
    for path in dumps.glob("dispute-kg-*.gz"):
        head = path.read_bytes()[:10]
        assert head[:3] == b"\x1f\x8b\x08"
        assert head[3] & 0x08 == 0, "FNAME flag set"
        assert head[4:8] == b"\0\0\0\0", "mtime not zero"


def test_latest_aliases_and_checksums(dumps: Path) -> None:
    for fmt in FORMATS:
        link = dumps / fmt.latest()
        assert link.resolve() == (dumps / fmt.filename(ver(dumps))).resolve()
    run = subprocess.run(["sha256sum", "-c", SUMS], cwd=dumps, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    listed = {line.split("  ", 1)[1] for line in (dumps / SUMS).read_text().splitlines()}
    expected = {p.name for p in dumps.iterdir() if not p.name.startswith(".")} - {SUMS}
    assert listed == expected
    assert not [p for p in dumps.iterdir() if p.name.endswith((".tmp", ".link"))]
    assert all(classify(name) for name in listed)


def q1(graph: rdflib.Graph, query: str) -> list[tuple]:
    return [tuple(row) for row in graph.query(query)]


def test_void_validates_and_matches_files(store: Path, dumps: Path) -> None:
    data = (dumps / VOID_FILE).read_bytes()
    conforms, report = validate_void(data)
    assert conforms, report
    void = rdflib.Graph().parse(data=data, format="turtle")
    prefix = """PREFIX void: <http://rdfs.org/ns/void#> PREFIX dcat: <http://www.w3.org/ns/dcat#>
      PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
      PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX foaf: <http://xmlns.com/foaf/0.1/> """
    dists = q1(void, prefix + """SELECT ?url ?size ?sha ?type WHERE {
        ?d a dcat:Distribution ; dcat:downloadURL ?url ; dcat:byteSize ?size ;
           dcat:mediaType ?type ; spdx:checksum [ spdx:checksumValue ?sha ] }""")
    assert len(dists) == len(FORMATS)
    for url, size, sha, media in dists:
        path = dumps / str(url).rsplit("/", 1)[1]
        raw = path.read_bytes()
        assert int(size) == len(raw)
        assert str(sha) == hashlib.sha256(raw).hexdigest()
        assert classify(path.name).media_type == str(media).split("media-types/")[1]
    # Counts, recomputed independently with SPARQL on the store itself.
    st = open_read_only(store)

    def count(query: str) -> int:
        return int(next(iter(st.query(query)))[0].value)

    (triples,), = q1(void, prefix + "SELECT ?n { [] foaf:primaryTopic [ void:triples ?n ] }")
    union = count("SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { GRAPH ?g { ?s ?p ?o } } }")
    assert int(triples) == union
    subsets = q1(void, prefix + """SELECT ?g ?t ?s { ?x a sd:NamedGraph ; sd:name ?g ;
        void:triples ?t ; void:distinctSubjects ?s }""")
    expected = {BASE + "graph/" + n for n in (ARTICLE, "derived", "ontology")}
    # the seed also has a gazetteer graph (Khorly's GeoNames point); the small sample has none
    assert expected <= {str(g) for g, _, _ in subsets} <= expected | {BASE + "graph/gazetteer"}
    for g, t, s in subsets:
        assert int(t) == count(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
        assert int(s) == count(
            f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
    classes = dict(q1(void, prefix + """SELECT ?c ?n { [] foaf:primaryTopic ?d .
        ?d void:classPartition [ void:class ?c ; void:entities ?n ] }"""))
    want = Counter()
    by_class = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { GRAPH ?g { ?s a ?c } } GROUP BY ?c"
    for row in st.query(by_class):
        want[row["c"].value] = int(row["n"].value)
    assert {str(c): int(n) for c, n in classes.items()} == dict(want)
    props = dict(q1(void, prefix + """SELECT ?p ?n { [] foaf:primaryTopic ?d .
        ?d void:propertyPartition [ void:property ?p ; void:triples ?n ] }"""))
    want = Counter()
    for row in st.query("""SELECT ?p (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o
        { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?p"""):
        want[row["p"].value] = int(row["n"].value)
    assert {str(p): int(n) for p, n in props.items()} == dict(want)
    query = "SELECT ?s { [] foaf:primaryTopic [ dcterms:source ?s ] }"
    sources = {str(s) for s, in q1(void, prefix + query)}
    assert sources == {BASE + "id/article/" + ARTICLE}
    licences = {str(s) for s, in q1(void, prefix + "SELECT ?l { ?d dcterms:license ?l }")}
    assert licences == {"https://creativecommons.org/licenses/by/4.0/"}


def test_void_shape_rejects_a_wrong_description(dumps: Path) -> None:
    data = (dumps / VOID_FILE).read_text(encoding="utf-8")
    broken = data.replace("spdx:checksumAlgorithm_sha256", "spdx:checksumAlgorithm_md5")
    assert broken != data
    assert not validate_void(broken)[0]


def test_blank_nodes_get_stable_labels(tmp_path: Path) -> None:
    trig = SAMPLE_TRIG.replace(
        "dkg:about a owl:ObjectProperty ;",
        "dkg:about a owl:ObjectProperty ; owl:propertyChainAxiom ( dkg:about dkg:about ) ;")
    outs = []
    for i in range(2):
        store = build_sample(tmp_path / f"s{i}" / "store", trig)
        export_dumps(store, tmp_path / f"d{i}")
        outs.append({p.name: p.read_bytes() for p in (tmp_path / f"d{i}").iterdir()
                     if not p.name.startswith(".")})
        data = read(tmp_path / f"d{i}" / f"dispute-kg-{VERSION}.nq.gz")
        assert_same(rdflib_graphs(data, "nq"), reference_graphs(store), True)
    assert outs[0] == outs[1]


def test_gzip_is_plain_gzip(dumps: Path) -> None:
    raw = (dumps / f"dispute-kg-{ver(dumps)}.ttl.gz").read_bytes()
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
        assert gz.read() == (dumps / f"dispute-kg-{ver(dumps)}.ttl").read_bytes()



# Cases the streaming writers must get right: triples in the default graph, a default-graph
# subject that also names a graph, graph IRIs ordered differently as IRIs and as N-Triples
# ("derived" < "derived-x", but "<…derived-x>" < "<…derived>"), line separators inside
# literals, and objects of every kind under one predicate.
AWKWARD_TRIG = f"""
@prefix dkg: <{BASE}ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{BASE}graph/derived> dkg:note "in the default graph" ; dkg:about <{BASE}id/incident/x> .
<{BASE}graph/derived> {{
  <{BASE}id/claim/a> dkg:about <{BASE}id/incident/x>, "12"^^xsd:integer, "text", "fr"@fr ;
    dkg:about-x "line\\u2028separator\\u0085next\\uFFFEend" ; dkg:quote "a\\nb \\"c\\"" .
}}
<{BASE}graph/derived-x> {{ <{BASE}id/claim/a> dkg:about <{BASE}id/incident/y> . }}
<{BASE}graph/ontology> {{
  dkg:about a <http://www.w3.org/2002/07/owl#ObjectProperty> ; <http://a.example/p> "first?" .
}}
"""


def test_awkward_store_round_trips_and_jsonld_is_json_layout(tmp_path: Path) -> None:
    store = build_sample(tmp_path / "store", AWKWARD_TRIG)
    out = tmp_path / "dumps"
    export_dumps(store, out)
    want = set(open_read_only(store).quads_for_pattern(None, None, None, None))
    assert any(isinstance(q.graph_name, ox.DefaultGraph) for q in want)
    for suffix in ("trig.gz", "nq.gz", "jsonld", "ttl", "nt.gz"):
        st = ox.Store()
        st.load(read(out / f"dispute-kg-{VERSION}.{suffix}"), OX_FORMAT[suffix.split(".")[0]])
        if suffix in ("ttl", "nt.gz"):
            assert {q.triple for q in st} == {q.triple for q in want}, suffix
        else:
            assert set(st) == want, suffix
    text = (out / f"dispute-kg-{VERSION}.jsonld").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=1) + "\n"
    trig = gzip.decompress((out / f"dispute-kg-{VERSION}.trig.gz").read_bytes()).decode()
    graphs = [line for line in trig.split("\n") if line.startswith("GRAPH")]
    assert graphs == sorted(graphs) and "derived-x>" in graphs[0]
    turtle = (out / f"dispute-kg-{VERSION}.ttl").read_text(encoding="utf-8")
    block = "\n".join([
        f"<{BASE}id/claim/a>",
        "    dkg:about",
        f"        <{BASE}id/incident/x> ,",
        f"        <{BASE}id/incident/y> ,",
        "        12 ,",
        '        "fr"@fr ,',
        '        "text" ;',
        '    dkg:about-x "line\u2028separator\u0085next\uFFFEend" ;',
        '    dkg:quote """a',
        'b "c\\"""" .',
    ])
    assert block + "\n" in turtle
    assert 'dkg:about\n    a owl:ObjectProperty ;\n    <http://a.example/p> "first?" .' in turtle
