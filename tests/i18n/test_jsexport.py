"""JSON catalogs for the PWA, the static plural module, and GET /i18n/{lang}.json."""

from __future__ import annotations

import gettext
import json
import shutil
import subprocess

import pytest
from fastapi.testclient import TestClient

import i18n
from i18n import jsexport
from i18n.pofile import PLURAL_FORMS

COUNTS = [*range(0, 230), 1000, 1001, 1002, 1011, 100_000, 1_000_000]


def test_every_language_exports() -> None:
    for language in i18n.PUBLIC_LANGUAGES:
        data = jsexport.catalog_data(language)
        assert data["lang"] == language and data["plural"] == language
        assert data["dir"] == ("rtl" if language == "ar" else "ltr")
        assert data["nplurals"] == PLURAL_FORMS[language][0]
        assert data["messages"]["This field is required."]
        assert all(isinstance(v, (str, list)) and v for v in data["messages"].values())
    fr = jsexport.catalog_data("fr")["messages"]
    assert fr["Not found."] == "Introuvable."


def test_plurals_module_is_static_code_and_up_to_date() -> None:
    source = jsexport.plurals_module_source()
    assert jsexport.PLURALS_MODULE.read_text(encoding="utf-8") == source, "run scripts/i18n"
    code = "\n".join(
        line for line in source.splitlines() if not line.lstrip().startswith(("//", "/*", "*"))
    )
    assert "Function" not in code and "eval" not in code
    for language in i18n.PUBLIC_LANGUAGES:
        assert f'"{language}": (n) => Number(' in source


def test_unsafe_plural_expressions_are_refused() -> None:
    assert jsexport.js_plural_expression("(n != 1)") == "(n != 1)"
    for bad in ("alert(1)", "n; fetch('/x')", "(n > 1", "n.constructor"):
        with pytest.raises(ValueError):
            jsexport.js_plural_expression(bad)


def test_javascript_plural_functions_agree_with_gettext() -> None:
    """Run the generated module in Node and compare every language with Python's gettext."""
    node = shutil.which("node")
    assert node, "Node.js is needed to run the PWA's plural module"
    script = (
        "const fs = await import('node:fs');"
        f"const src = fs.readFileSync({json.dumps(str(jsexport.PLURALS_MODULE))}, 'utf8');"
        "const m = await import('data:text/javascript,' + encodeURIComponent(src));"
        f"const counts = {json.dumps(COUNTS)};"
        "const out = {};"
        "for (const lang of Object.keys(m.PLURALS))"
        "  out[lang] = counts.map(n => m.pluralIndex(lang, n));"
        "out.unknown = counts.map(n => m.pluralIndex('xx', n));"
        "console.log(JSON.stringify(out));"
    )
    run = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    results = json.loads(run.stdout)
    for language in i18n.PUBLIC_LANGUAGES:
        rule = gettext.c2py(PLURAL_FORMS[language][1])
        assert results[language] == [rule(n) for n in COUNTS], language
    assert results["unknown"][:3] == [1, 0, 1]


def test_catalog_endpoint_serves_json_with_etag(client: TestClient) -> None:
    r = client.get("/i18n/ar.json", headers={"Accept-Language": "fr"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["content-language"] == "ar"
    assert r.headers["cache-control"] == "no-cache"
    body = r.json()
    assert body["dir"] == "rtl" and body["nplurals"] == 6
    assert body["messages"]["Not found."] == "غير موجود."
    etag = r.headers["etag"]
    again = client.get("/i18n/ar.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/i18n/nl.json", headers={"If-None-Match": etag}).status_code == 200


def test_unknown_language_is_404(client: TestClient) -> None:
    for path in ("/i18n/xx.json", "/i18n/EN.json", "/i18n/..json"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json()["error"] == "not_found"


def test_language_list_names_each_language_in_itself(client: TestClient) -> None:
    r = client.get("/i18n/languages.json")
    assert r.status_code == 200
    items = {item["code"]: item for item in r.json()["items"]}
    assert list(items) == list(i18n.PUBLIC_LANGUAGES)
    assert items["ar"] == {"code": "ar", "name": "العربية", "dir": "rtl", "tier": "public"}
    assert items["nl"]["name"] == "Nederlands" and items["nl"]["tier"] == "staff"
