"""`/intake` picks the language from Accept-Language (q-values honoured), else French."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ar-MA,ar;q=0.9,fr;q=0.8", "ar"),
        ("nl-BE", "nl"),
        ("ar;q=0, de;q=0.5", "de"),  # q=0 means "not this one"
        ("tr;q=0.4, es;q=0.8, en;q=0.6", "es"),
        ("PT-br", "pt"),
        ("xx-YY, zz", "fr"),
        ("", "fr"),
        ("ro;q=abc, it", "it"),  # a broken q-value counts as 0
    ],
)
def test_negotiation(client: TestClient, header: str, expected: str) -> None:
    r = client.get("/intake", headers={"Accept-Language": header}, follow_redirects=False)
    assert r.status_code == 302
    assert r.headers["location"] == f"/{expected}/intake"
    assert "Accept-Language" in r.headers["vary"]
    assert r.headers["cache-control"] == "no-store"


def test_negotiation_keeps_the_code(client: TestClient) -> None:
    r = client.get("/intake?c=k7qx2m", headers={"Accept-Language": "ar-MA"}, follow_redirects=False)
    assert r.headers["location"] == "/ar/intake?c=K7QX2M"
    # Something that cannot be a code is dropped rather than echoed.
    r = client.get('/intake?c="><script>', follow_redirects=False)
    assert r.headers["location"] == "/fr/intake"


def test_a_language_in_the_address_wins(client: TestClient) -> None:
    r = client.get("/tr/intake", headers={"Accept-Language": "nl"})
    assert r.status_code == 200 and '<html lang="tr"' in r.text
