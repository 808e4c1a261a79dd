"""The dispute view: incidents with their disputes, and each incident's competing claims side by
side (built from the saved queries), in HTML and in headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from harness import (
    BROWSER,
    Endpoint,
    Server,
    fixture_args,
    seed_settings,
    start_server,
    stop_server,
)
from test_browser import ARGS, CHROMIUM

MOD = "Ministry of Defence of the Russian Federation"


def page(server: Endpoint, path: str) -> str:
    r = server.get(path, headers={"Accept": BROWSER})
    assert r.status_code == 200, r.text[:300]
    return r.text


def sides(html: str) -> dict[str, str]:
    """Each side box of the page: its heading → its text."""
    out: dict[str, str] = {}
    for box in html.split('<div class="side">')[1:]:
        head = re.search(r"<h4>(.*?)</h4>", box).group(1)
        out[unescape(head)] = out.get(unescape(head), "") + unescape(re.sub(r"<[^>]+>", " ", box))
    return out


def test_disputes_lists_every_incident_with_its_disputes(seed: Endpoint) -> None:
    html = page(seed, "/disputes")
    assert 'href="/disputes/kharkiv-2026-01-02"' in html
    assert 'href="/disputes/khorly-new-years-eve"' in html
    text = unescape(html)
    assert "Kharkiv blast of 2 January 2026" in text
    assert "Who did it" in text and "What kind of event it was" in text
    assert "Explosion à Kharkiv" in unescape(page(seed, "/disputes?lang=fr"))


def test_kharkiv_page_shows_both_sides(seed: Endpoint) -> None:
    html = page(seed, "/disputes/kharkiv-2026-01-02")
    text = unescape(html)
    # the Ministry denies an attack, not the explosion: a dispute on the event type
    assert "Disputed: event type" in text and "Disputed: perpetrator" in text
    assert "Disputed: occurrence" not in text
    by_side = sides(html)
    assert "Ukrainian officials" in by_side["attack"]
    assert MOD in by_side["denied: attack"]
    denial = by_side["denied: missile strike"]
    assert MOD in denial and "Telegram" in denial and "n'ont ni planifié ni lancé d'attaques" in denial
    assert "Ukrainian officials" not in by_side["denied: attack"]
    # the BBC names no perpetrator: it has no position in the perpetrator dispute
    assert "BBC" not in by_side["Russia"] + by_side["Armed Forces of Ukraine"]
    assert MOD in by_side["denied: Armed Forces of the Russian Federation"]
    assert "Volodymyr Zelenskyy" in by_side["the Russians"]
    # the perpetrator dispute groups claims by the perpetrator each names
    assert "Ukrainian officials" in by_side["Russia"]
    assert MOD in by_side["Armed Forces of Ukraine"]
    assert "killed: exact 2" in by_side["attack"]


def test_khorly_page_shows_verification_status(seed: Endpoint) -> None:
    text = unescape(page(seed, "/disputes/khorly-new-years-eve"))
    assert "not independently verified" in text
    assert "Ukraine" in text and "Russia" in text


def test_quotes_link_to_their_span_on_the_article_page(seed: Endpoint) -> None:
    html = page(seed, "/disputes/kharkiv-2026-01-02")
    links = set(re.findall(r'href="(/id/article/[^"#]+)#(span-\d+-\d+)"', html))
    assert links
    for path, anchor in links:
        assert f'id="{anchor}"' in page(seed, path)


def test_timeline_marks_the_incident(seed: Endpoint) -> None:
    html = page(seed, "/disputes/kharkiv-2026-01-02")
    timeline = html.split('<table class="timeline">')[1]
    current = re.search(r'<tr class="current">(.*?)</tr>', timeline, re.S).group(1)
    assert "2026-01-02" in current and "vendredi après-midi" in unescape(current)
    assert "Kyiv peace talks" in timeline


def test_unknown_incident_and_bad_language(seed: Endpoint) -> None:
    assert seed.get("/disputes/no-such-incident").status_code == 404
    r = seed.get("/disputes/kharkiv-2026-01-02", params={"lang": "de"})
    assert r.status_code == 422 and r.json()["parameter"] == "lang"


@pytest.fixture(scope="module")
def seed_process(built_store: Path, standin: tuple[str, list[str]],
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The seed server as a `kg serve` process, for the browser."""
    settings = seed_settings(built_store, standin[0])
    srv = start_server(built_store, tmp_path_factory.mktemp("disputes") / "server.log",
                       *fixture_args(settings))
    yield srv
    stop_server(srv)


@pytest.mark.browser
def test_browser_finds_both_sides_of_kharkiv(seed_process: Server) -> None:
    seed = seed_process
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/install-browser.sh")
    from playwright import sync_api
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            tab = browser.new_page()
            tab.goto(seed.url + "/disputes", wait_until="load")
            tab.click("text=Kharkiv blast of 2 January 2026")
            tab.wait_for_selector(".side")
            assert tab.url.endswith("/disputes/kharkiv-2026-01-02")
            affirms = tab.locator(".side", has=tab.locator("h4", has_text="attack")).first
            denies = tab.locator(".side", has=tab.locator("h4", has_text="denied: missile strike")).first
            assert "Ukrainian officials" in affirms.inner_text()
            denial = denies.inner_text()
            assert MOD in denial and "n'ont ni planifié" in denial
            assert denies.is_visible() and affirms.is_visible()
            # positions of one dispute stand side by side
            other = tab.locator(".side", has=tab.locator("h4", has_text="missile strike")).first
            box_a, box_o = affirms.bounding_box(), other.bounding_box()
            assert box_a and box_o and abs(box_a["y"] - box_o["y"]) < 5
        finally:
            browser.close()
