"""The query UI in headless Chromium (Debian's /usr/bin/chromium via Playwright, local assets)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fixture_data import BASE, CLAIM_1
from harness import UI_ASSETS, Server, start_server, stop_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(process_server: Server) -> Server:
    """A real `kg serve` process: a real browser connects over TCP."""
    return process_server


@pytest.fixture(scope="module")
def browser():
    # scripts/test.sh installs both; missing ones fail (deselect with -m "not browser").
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/install-browser.sh")
    if not (UI_ASSETS / "yasgui.min.js").exists():
        pytest.fail("UI assets missing: run scripts/install-ui-assets.sh")
    from playwright import sync_api
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def test_run_a_query_in_the_ui_and_read_the_table(server: Server, browser) -> None:
    page = browser.new_page()
    outside: list[str] = []

    def only_loopback(route) -> None:  # nothing may leave 127.0.0.1
        url = route.request.url
        if url.startswith(server.url) or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", only_loopback)
    page.goto(server.url + "/sparql", wait_until="load")
    page.wait_for_function("window.yasgui && window.yasgui.getTab()")
    query = (f"SELECT ?claim WHERE {{ ?claim a <{BASE}ontology#Claim> }} ORDER BY ?claim")
    page.evaluate("q => { const t = window.yasgui.getTab(); t.getYasqe().setValue(q); t.query(); }",
                  query)
    page.wait_for_selector(".yasr table tbody tr td", timeout=20_000)
    cells = page.locator(".yasr table tbody td").all_inner_texts()
    assert any(CLAIM_1.rsplit("/", 1)[-1] in c or CLAIM_1 in c for c in cells), cells
    # the project prefixes are preloaded in the editor's first query
    editor = page.evaluate("() => window.yasgui.getTab().getYasqe().getValue()")
    assert isinstance(editor, str)
    assert page.evaluate("() => window.kgPrefixes.dkg") == BASE + "ontology#"
    page.close()
    assert not outside, outside  # the editor came from this server: it works offline


@pytest.fixture(scope="module")
def default_server(fixture_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """`kg serve` with no --ui-assets: the default serves YASGUI's files itself."""
    srv = start_server(fixture_store, tmp_path_factory.mktemp("ui-default") / "server.log",
                       "--workers", "1")
    yield srv
    stop_server(srv)


def test_the_editor_loads_with_no_internet_by_default(default_server: Server, browser) -> None:
    page = browser.new_page()
    outside: list[str] = []

    def only_loopback(route) -> None:
        if route.request.url.startswith(default_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    page.goto(default_server.url + "/sparql", wait_until="load")
    page.wait_for_function("window.yasgui && window.yasgui.getTab()")
    assert page.locator("#plain").is_hidden()  # the editor replaced the plain form
    assert not outside, outside
    page.close()


def test_with_scripts_blocked_the_plain_form_runs_a_query(server: Server, browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/sparql", wait_until="load")
    form = page.locator("form.plain-query")
    assert form.is_visible()
    links = page.locator("#plain ul.saved a")
    assert links.count() >= 1 and links.first.get_attribute("href").startswith("/queries/")
    page.fill("#plain-query", f"SELECT ?claim WHERE {{ ?claim a <{BASE}ontology#Claim> }}")
    page.select_option("#plain-format", "csv")
    with page.expect_download() as download:  # the browser saves the CSV answer
        page.click("form.plain-query button[type=submit]")
    assert "/sparql?query=" in download.value.url and "format=csv" in download.value.url
    answer = Path(download.value.path()).read_text(encoding="utf-8")
    assert answer.splitlines()[0].strip() == "claim" and CLAIM_1 in answer
    context.close()
