"""The public form refuses hostile answers (issue 8), for every question of the form's
definition (api/intake/form.py): text with a control character, or 10,000 characters, is
answered with the form again (4xx), never a 5xx, and no lead is made."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from api.intake.form import QUESTIONS
from tests.conftest import World
from tests.intake.helpers import answers, new_token, self_intakes
from tests.robustness.hostile import EXAMPLES, hostile_texts


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# A form carries bytes: a lone surrogate can only arrive as invalid UTF-8, which is read as
# U+FFFD (text, not a surrogate), so it is not among the values here.
@given(name=st.sampled_from([q.name for q in QUESTIONS]), value=hostile_texts(surrogates=False))
def test_a_hostile_answer_to_any_question_is_refused(
    name: str, value: str, client: TestClient, world: World, db: Session
) -> None:
    before = len(self_intakes(db))
    data = answers("fr", **{name: value})
    r = client.post(
        "/fr/intake",
        content=_form(dict(data, token=new_token())),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert 400 <= r.status_code < 500, (name, r.status_code)
    assert len(self_intakes(db)) == before


def _form(data: dict[str, object]) -> bytes:
    """URL-encoded as a browser would, lone surrogates included (as their UTF-8 bytes)."""
    return urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass").encode()
