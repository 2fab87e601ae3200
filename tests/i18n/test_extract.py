"""The extraction methods registered in pyproject.toml, run through Babel's extract()."""

from __future__ import annotations

import io
import textwrap
import tomllib
from typing import Any

from babel.messages.extract import extract
from babel.messages.frontend import parse_keywords

from i18n.extract import PUBLIC_COMMENT, ROOT, error_classes


def _mapping(method: str) -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as fp:
        babel: dict[str, Any] = tomllib.load(fp)["tool"]["babel"]
    return next(m for m in babel["mappings"] if m["method"] == method)


def _run(language: str, relative_path: str, source: str) -> dict[object, list[str]]:
    """{message: comments} extracted from `source` as if it lived at `relative_path`."""
    method = f"terrain_{language}"
    mapping = _mapping(method)
    fileobj = io.BytesIO(textwrap.dedent(source).encode())
    fileobj.name = str(ROOT / relative_path)
    spec = _babel_extractors()[method]
    return {
        message: comments
        for _line, message, comments, _context in extract(
            spec,
            fileobj,
            keywords=parse_keywords(mapping["keywords"]),
            comment_tags=tuple(mapping["add_comments"]),
            options={"public_files": mapping["public_files"]},
        )
    }


def _babel_extractors() -> dict[str, str]:
    with (ROOT / "pyproject.toml").open("rb") as fp:
        extractors: dict[str, str] = tomllib.load(fp)["tool"]["babel"]["extractors"]
    return extractors


PYTHON_SOURCE = """
    from api.errors import AppError, InvalidInput, NotFound, TooManyRequests
    from api.validation import FieldProblem
    from i18n import N_, gettext as _, lazy_gettext, ngettext


    class LeadGone(NotFound):
        message = "This lead was erased."


    LABEL = lazy_gettext("Outbox")
    KINDS = {"a": N_("Street"), "b": N_("Market")}


    def f(n: int, problem: str) -> None:
        _("Hello")
        ngettext("{n} change waiting", "{n} changes waiting", n)
        # i18n: public
        _("Thank you, we will call you.")
        # i18n: shown on the lock screen
        _("Locked")
        InvalidInput("This status change is not allowed.", code="invalid_transition")
        InvalidInput(problem, code="weak_password")
        TooManyRequests(30, "Slow down.")
        LeadGone()
        raise FieldProblem("invalid_phone", msgid="Not a phone number.")
"""


def test_python_extractor_finds_calls_error_msgids_and_markers() -> None:
    found = _run("python", "api/leads/example.py", PYTHON_SOURCE)
    assert set(found) == {
        "This lead was erased.",
        "Outbox",
        "Street",
        "Market",
        "Hello",
        ("{n} change waiting", "{n} changes waiting"),
        "Thank you, we will call you.",
        "Locked",
        "This status change is not allowed.",
        "Slow down.",
        "Not a phone number.",
    }
    assert found["Thank you, we will call you."] == [PUBLIC_COMMENT]
    assert found["Locked"] == ["i18n: shown on the lock screen"]
    # Validation messages are always public; others only when marked.
    assert found["Not a phone number."] == [PUBLIC_COMMENT]
    assert found["Hello"] == [] and found["This status change is not allowed."] == []


def test_files_listed_as_public_make_every_message_public() -> None:
    found = _run("python", "api/intake/example.py", PYTHON_SOURCE)
    assert all(PUBLIC_COMMENT in comments for comments in found.values())


def test_error_family_includes_subclasses_defined_anywhere_in_api() -> None:
    family = error_classes()
    assert {"AppError", "NotFound", "InvalidInput", "TooManyRequests"} <= family
    assert "FieldProblem" not in family


JS_SOURCE = """
    // @ts-check
    import { t, tn } from "./i18n.js";
    export function render(n) {
      const title = t("Today");
      // i18n: public
      const consent = t("I agree to be contacted.");
      return [title, consent, tn("{n} lead", "{n} leads", n), other("not me")];
    }
"""


def test_javascript_extractor_reads_t_and_tn() -> None:
    found = _run("javascript", "pwa/js/ui/today.js", JS_SOURCE)
    assert found == {
        "Today": [],
        "I agree to be contacted.": [PUBLIC_COMMENT],
        ("{n} lead", "{n} leads"): [],
    }
    public = _run("javascript", "pwa/js/intake/form.js", JS_SOURCE)
    assert public["Today"] == [PUBLIC_COMMENT]
