"""A posted self-intake form → a valid `LeadCreate`, or error codes by field.

The same rules as every lead (LeadCreate: phone, e-mail, postcode, lengths), plus the form's
own: answers to choice questions must be among the options shown, the contact consent is
required, markers count only when their consent is ticked. Error codes are the form's
(`form.ERRORS`), so the page shows its own translated sentence, never a library's text.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from api.intake import form
from api.leads.rules import derived_id
from api.leads.schemas import LeadCreate
from api.validation import FieldProblem
from api.vocab import Channel, ConsentChannel

HONEYPOT = "website"
TOKEN = "token"
CODE = "c"
CONSENT = "consent"
# Client tokens become lead ids in their own namespace (a resend finds the same lead).
_TOKEN_NS = uuid.UUID("8c0f5a4e-2d7b-4e61-b0a3-5f9e1c7d2a48")
_LIST_FIELDS = frozenset(
    {q.name for q in (*form.QUESTIONS, *form.MARKERS) if q.kind == "multi"} | {CONSENT}
)


@dataclass
class Posted:
    """The form as sent: values kept for showing it again, and what travels with them."""

    values: dict[str, str | list[str]] = field(default_factory=dict)
    token: uuid.UUID | None = None
    code: str | None = None
    honeypot: bool = False

    @property
    def consents(self) -> list[str]:
        given = self.values.get(CONSENT, [])
        return list(given) if isinstance(given, list) else [given]


def read(pairs: Iterable[tuple[str, str]]) -> Posted:
    posted = Posted()
    known = {q.name for q in (*form.QUESTIONS, *form.MARKERS)} | {CONSENT}
    for name, value in pairs:
        if name == HONEYPOT:
            posted.honeypot = posted.honeypot or bool(value.strip())
        elif name == TOKEN:
            posted.token = _token(value)
        elif name == CODE:
            posted.code = value.strip()[:16] or None
        elif name in _LIST_FIELDS:
            listed = posted.values.setdefault(name, [])
            if isinstance(listed, list) and value not in listed:
                listed.append(value)
        elif name in known and name not in posted.values:
            posted.values[name] = value
    return posted


def _token(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def lead_id(token: uuid.UUID) -> uuid.UUID:
    return derived_id(_TOKEN_NS, f"intake:{token}")


def _answer(q: form.Question, raw: str | list[str] | None, errors: dict[str, str]) -> Any:
    """One question's value for LeadCreate (None when not answered)."""
    allowed = {o.value for o in q.options}
    if q.kind == "multi":
        chosen = raw if isinstance(raw, list) else []
        if any(v not in allowed for v in chosen):
            errors[q.name] = "invalid_choice"
        return [v for v in chosen if v in allowed] or None
    text = (raw[0] if isinstance(raw, list) and raw else raw) or ""
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        if q.required:
            errors[q.name] = "required"
        return None
    if q.kind == "choice" and text not in allowed:
        errors[q.name] = "invalid_choice"
        return None
    if q.max_length is not None and len(text) > q.max_length:
        errors[q.name] = "too_long"
        return None
    return text


def validate(
    posted: Posted, *, language: str, consent: dict[str, str]
) -> tuple[LeadCreate | None, dict[str, str]]:
    """(the lead to create, {}) or (None, {field: error code})."""
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {}
    for q in form.QUESTIONS:
        value = _answer(q, posted.values.get(q.name), errors)
        if value is not None:
            fields[q.name] = value
    purposes = [c.purpose for c in form.CONSENTS if c.purpose in posted.consents]
    if form.MARKERS_CONSENT.purpose in posted.consents:
        purposes.append(form.MARKERS_CONSENT.purpose)
        markers = {}
        for q in form.MARKERS:
            value = _answer(q, posted.values.get(q.name), errors)
            if value is not None:
                markers[q.name] = value
        fields["markers"] = markers
    if not all(c.purpose in purposes for c in form.CONSENTS if c.required):
        errors[CONSENT] = "consent_required"
    fields.update(
        id=lead_id(posted.token or uuid.uuid4()),
        channel=Channel.self_intake.value,
        consent={
            "purposes": purposes,
            "text_version": consent["version"],
            "text_sha256": consent["sha256"],
            "language": language,
            "channel": ConsentChannel.self.value,
        },
    )
    if errors:
        # Still check what the lead rules say of the other answers, so that every problem
        # shows at once: stand-ins fill what is already known to be wrong.
        for name in set(errors) - {CONSENT}:
            fields.pop(name, None)
        fields.setdefault("first_name", "-")
        fields.setdefault("language", language)
        fields["consent"]["purposes"] = ["contact"]
    try:
        data = LeadCreate.model_validate(fields)
    except ValidationError as exc:
        return None, _codes(exc) | errors
    return (None, errors) if errors else (data, {})


_TYPES = {
    "missing": "required",
    "string_too_short": "required",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "enum": "invalid_choice",
    "literal_error": "invalid_choice",
    "list_type": "invalid_choice",
}
# Form-level problems shown at the question they are about.
_AT = {"contact_required": "phone", "consent_required": CONSENT}


def _codes(exc: ValidationError) -> dict[str, str]:
    """pydantic's errors → {field: one of form.ERRORS' codes}."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        original = (err.get("ctx") or {}).get("error")
        if isinstance(original, FieldProblem):
            code = original.code
        else:
            code = _TYPES.get(err["type"], "invalid")
        if code not in form.ERRORS:
            code = "invalid"
        loc = [str(p) for p in err["loc"]]
        name = _AT.get(code) or (loc[-1] if loc and loc[0] == "markers" else loc[0] if loc else "")
        errors.setdefault(name or "phone", code)
    return errors
