"""Paged saved queries (`page`, `page_size`) and the paged dispute list, over HTTP: pages hold
whole disputes, follow each other through `Link: rel="next"`, and together are the whole answer
row for row; bad paging values are precise 400s."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from html import unescape

import httpx
import pytest
from harness import BROWSER, KHARKIV, Endpoint, in_process

from kg.build import build
from kg.catalogue import load_catalogue
from kg.synth import synth
from server.views.dispute_view import INCIDENTS_PER_PAGE

CATALOGUE = load_catalogue()
DEFAULT = CATALOGUE["disputes"].paging.size  # type: ignore[union-attr]
NEXT = re.compile(r'<([^>]+)>; rel="next"')


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """A synthetic store with more disputes than a default page and more incidents than a
    page of /disputes (36 articles: 72 disputes, 24 incidents)."""
    folder = tmp_path_factory.mktemp("paging-large")
    synth(folder / "seeds", articles=36)
    report = build(folder / "seeds", folder / "store", shacl="off")
    assert report.store is not None
    with in_process(store=report.store, timeout=20, workers=2) as app:
        yield app


def _next(response: httpx.Response) -> str | None:
    found = NEXT.search(response.headers.get("link", ""))
    return found.group(1) if found else None


def follow(server: Endpoint, path: str, **params: str) -> list[httpx.Response]:
    """Every page from the first, following `Link: rel="next"` to the end."""
    pages = [server.get(path, params=params)]
    while (url := _next(pages[-1])) is not None:
        assert len(pages) < 100, "no end to the pages"
        pages.append(server.get(url))
    assert all(p.status_code == 200 for p in pages), [p.text[:200] for p in pages]
    return pages


def bindings(response: httpx.Response) -> list[dict]:
    return response.json()["results"]["bindings"]


def by_dispute(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["dispute"]["value"], []).append(r)
    return out


@pytest.mark.parametrize("page_size", [None, "1", "7"])
def test_pages_are_whole_disputes_and_add_up_to_the_whole_answer(large: Endpoint,
                                                                 page_size: str | None) -> None:
    params = {"page_size": page_size} if page_size else {}
    whole = bindings(large.get("/queries/disputes.json", params={"page_size": "all"}))
    disputes = by_dispute(whole)
    assert len(disputes) > DEFAULT, "the store must need more than one default page"
    pages = follow(large, "/queries/disputes.json", **params)
    size = int(page_size or DEFAULT)
    assert len(pages) == -(-len(disputes) // size)  # no empty last page
    seen: set[str] = set()
    for page in pages:
        mine = by_dispute(bindings(page))
        assert len(mine) == size or page is pages[-1]
        assert not seen & set(mine), "a dispute on two pages"
        seen |= set(mine)
        for dispute, rows in mine.items():
            assert rows == disputes[dispute], "a dispute cut across pages"
    assert [r for p in pages for r in bindings(p)] == whole  # row for row, in order


def test_csv_and_tsv_pages_add_up_too(large: Endpoint) -> None:
    for ext in ("csv", "tsv"):
        whole = large.get(f"/queries/disputes.{ext}", params={"page_size": "all"}).text
        pages = follow(large, f"/queries/disputes.{ext}", page_size="10", lang="fr")
        assert len(pages) > 1
        fr = large.get(f"/queries/disputes.{ext}", params={"page_size": "all", "lang": "fr"})
        header, *_ = fr.text.splitlines(keepends=True)
        body = "".join(p.text.removeprefix(header) for p in pages)
        assert header + body == fr.text and fr.text != whole


def test_a_page_within_one_incident(large: Endpoint) -> None:
    whole = bindings(large.get("/queries/disputes.json", params={"page_size": "all"}))
    incident = max(by_dispute(whole).values(), key=len)[0]["incident"]["value"]
    mine = [r for r in whole if r["incident"]["value"] == incident]
    pages = follow(large, "/queries/disputes.json", incident=incident, page_size="2")
    assert len(pages) > 1 and [r for p in pages for r in bindings(p)] == mine


def test_prev_links_and_a_page_past_the_end(large: Endpoint) -> None:
    second = large.get("/queries/disputes.json", params={"page": "2", "page_size": "5"})
    links = second.headers["link"]
    assert '</queries/disputes.json?page_size=5>; rel="prev"' in links
    assert '</queries/disputes.json?page_size=5&page=3>; rel="next"' in links
    past = large.get("/queries/disputes.json", params={"page": "999"})
    assert past.status_code == 200 and bindings(past) == []
    assert 'rel="next"' not in past.headers["link"]


def test_html_page_links_to_the_next_page_and_the_whole_answer(large: Endpoint) -> None:
    first = large.get("/queries/disputes", headers={"Accept": BROWSER})
    assert '</queries/disputes?page=2>; rel="next"' in first.headers["link"]
    html = first.text
    assert 'name="page_size"' in html
    nxt = re.search(r'<a rel="next" href="([^"]+)"', html)
    assert nxt and unescape(nxt.group(1)) == "/queries/disputes?page=2"
    assert 'href="/queries/disputes?page_size=all"' in html
    second = large.get(unescape(nxt.group(1)), headers={"Accept": BROWSER}).text
    assert '<a rel="prev" href="/queries/disputes">' in second
    rows = int(re.search(r"(\d+) rows? · page 2", second).group(1))
    page2 = bindings(large.get("/queries/disputes.json", params={"page": "2"}))
    assert rows == len(page2)


def test_the_seed_fits_one_page(seed: Endpoint) -> None:
    first = seed.get("/queries/disputes.json")
    assert 'rel="next"' not in first.headers["link"]
    whole = seed.get("/queries/disputes.json", params={"page_size": "all"})
    assert first.content == whole.content and len(bindings(first)) > 0
    one = seed.get("/queries/disputes.json", params={"incident": KHARKIV})
    assert {r["incident"]["value"] for r in bindings(one)} == {KHARKIV}


@pytest.mark.parametrize(("params", "bad"), [
    ({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"page": "-1"}, "page"),
    ({"page": "1.5"}, "page"), ({"page_size": "0"}, "page_size"),
    ({"page_size": "501"}, "page_size"), ({"page_size": "ALL"}, "page_size"),
    ({"page_size": " 5"}, "page_size"), ({"page": "2", "page_size": "all"}, "page"),
])
def test_bad_paging_values_are_400_naming_the_parameter(seed: Endpoint, params: dict[str, str],
                                                       bad: str) -> None:
    for path in ("/queries/disputes", "/queries/disputes.json", "/queries/disputes.csv"):
        r = seed.get(path, params=params)
        assert r.status_code == 400, (path, r.text)
        assert r.json()["error"] == "bad-page" and r.json()["parameter"] == bad
        assert f"'{bad}'" in r.json()["message"]
    page = seed.get("/queries/disputes", params=params, headers={"Accept": BROWSER})
    assert page.status_code == 400 and f"<code>{bad}</code>" in page.text


def test_unpaged_queries_refuse_paging_parameters(seed: Endpoint) -> None:
    r = seed.get("/queries/denials.json", params={"page": "2"})
    assert r.status_code == 422 and r.json()["parameter"] == "page"


def test_paging_is_documented_in_the_catalogue_and_openapi(seed: Endpoint) -> None:
    entry = next(e for e in seed.get("/queries.json").json()["queries"]
                 if e["name"] == "disputes")
    assert entry["paging"]["unit"] == "dispute"
    assert entry["paging"]["page_size"] == DEFAULT and entry["paging"]["max_page_size"] == 500
    assert entry["paging"]["whole_answer"] == "page_size=all"
    params = {p["name"]: p for p in entry["params"]}
    assert params["page"]["default"] == "1" and params["page_size"]["example"] == "all"
    op = seed.get("/openapi.json").json()["paths"]["/queries/disputes"]["get"]
    schemas = {p["name"]: p["schema"] for p in op["parameters"]}
    assert schemas["page"] == {"type": "integer", "minimum": 1, "default": 1}
    assert {"type": "string", "enum": ["all"]} in schemas["page_size"]["oneOf"]
    assert "400" in op["responses"] and "rel=" in op["responses"]["200"]["description"]
    denials = seed.get("/openapi.json").json()["paths"]["/queries/denials"]["get"]
    assert "page" not in {p["name"] for p in denials["parameters"]}


def test_dispute_list_is_paged_by_whole_incidents(large: Endpoint) -> None:
    first = large.get("/disputes", headers={"Accept": BROWSER})
    assert first.status_code == 200
    assert first.headers["link"] == '</disputes?page=2>; rel="next"'
    second = large.get("/disputes?page=2", headers={"Accept": BROWSER})
    assert 'rel="next"' not in second.headers["link"]
    slugs = [re.findall(r'<h2><a href="/disputes/([^"?]+)', p.text) for p in (first, second)]
    assert len(slugs[0]) == INCIDENTS_PER_PAGE and slugs[1]
    assert not set(slugs[0]) & set(slugs[1])
    incidents = large.get("/queries/incidents.json").json()["results"]["bindings"]
    every = list(dict.fromkeys(r["incident"]["value"].rsplit("/", 1)[1] for r in incidents))
    assert slugs[0] + slugs[1] == every
    # each incident shows all its disputes, as the `disputes` query gives them
    whole = bindings(large.get("/queries/disputes.json", params={"page_size": "all"}))
    for page in (first, second):
        for section in page.text.split('<section class="incident">')[1:]:
            slug = re.search(r'href="/disputes/([^"?]+)', section).group(1)
            n = len({r["dispute"]["value"] for r in whole
                     if r["incident"]["value"].endswith("/" + slug)})
            assert section.count("<li>") == n, slug
    r = large.get("/disputes", params={"page": "0"})
    assert r.status_code == 400 and r.json()["parameter"] == "page"


def test_the_csv_of_a_page_parses(seed: Endpoint) -> None:
    r = seed.get("/queries/disputes.csv", params={"page_size": "1", "page": "2"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len({row["dispute"] for row in rows}) == 1
    assert '</queries/disputes.csv?page_size=1>; rel="prev"' in r.headers["link"]

