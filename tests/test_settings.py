"""Settings are declared once (server/settings.py, kg.config.KgSettings): each is a variable and
an option generated from it, documented in the README, validated in one place, and handed to
the app as an object."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.config import PROJECT_ROOT, KgSettings
from kg.options import env_name, option_name
from server.settings import Settings


def configuration_table() -> list[tuple[str, str]]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("**Configuration.**", 1)[1].split("\n\n**", 1)[0]
    return re.findall(r"^\| `(--[a-z-]+)` \| `(DISPUTE_KG_[A-Z_]+)` \|", section, re.M)


def test_the_readme_lists_every_setting_with_its_option_and_variable() -> None:
    documented = configuration_table()
    expected = [(option_name(n, f), env_name(Settings, n)) for n, f in Settings.model_fields.items()]
    assert sorted(documented) == sorted(expected)


def test_kg_serve_has_one_option_per_setting() -> None:
    from server.web.cli import app

    result = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name, info in Settings.model_fields.items():
        assert option_name(name, info) in result.output, name


def test_variables_options_and_defaults_in_that_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPUTE_KG_TIMEOUT", "7")
    monkeypatch.setenv("DISPUTE_KG_SERVICE_ALLOW", "http://a.example/sparql, http://b.example/x")
    settings = Settings()
    assert settings.timeout == 7 and settings.queue_wait == 2.0
    assert settings.service_allow == ("http://a.example/sparql", "http://b.example/x")
    assert Settings(timeout=3).timeout == 3
    assert Settings(store=Path("rel/store")).store == Path.cwd() / "rel" / "store"
    assert Settings(base_iri="http://x.example/kg").base_iri == "http://x.example/kg/"


@pytest.mark.parametrize("field, value", [
    ("backend", "file:///etc/passwd"), ("public_url", "https://x.example/sub/"),
    ("public_url", "ftp://x.example/"), ("ui_assets", "https://cdn.example/yasgui"),
    ("timeout", "0"), ("wikidata_endpoint", "javascript:alert(1)")])
def test_bad_values_are_refused_naming_the_option(field: str, value: str) -> None:
    from server.web.cli import app

    result = CliRunner().invoke(app, ["serve", option_name(field, Settings.model_fields[field]),
                                      value])
    assert result.exit_code == 2, result.output
    assert option_name(field, Settings.model_fields[field]) in result.output


def test_the_kg_commands_share_the_declarations() -> None:
    assert set(KgSettings.model_fields) < set(Settings.model_fields)
    for name in KgSettings.model_fields:
        assert Settings.model_fields[name] is not None


def test_kg_config_does_not_read_the_environment_itself() -> None:
    source = (PROJECT_ROOT / "kg" / "config.py").read_text(encoding="utf-8")
    assert "os.environ" not in source and "getenv" not in source


def kg(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                         timeout=120, cwd=PROJECT_ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_table_commands_keep_whole_values_in_a_pipe(built_store: Path) -> None:
    table = kg("links", "--store", str(built_store))
    report = json.loads(kg("links", "--store", str(built_store), "--format", "json"))
    for e in report["entities"]:
        assert e["label"] in table and e["reason"] in table, e
    rows = kg("query", "--store", str(built_store), "SELECT ?w WHERE { ?e "
              "<http://www.w3.org/2002/07/owl#sameAs> ?w } ORDER BY ?w LIMIT 3")
    assert rows.count("http://www.wikidata.org/entity/Q") == 3, rows
