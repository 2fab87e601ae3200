"""Pydantic validation errors → our error shape, with messages in the caller's language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from i18n import gettext as _

# pydantic error type → English msgid (translated per request); {name} from the error ctx.
_MESSAGES: dict[str, str] = {
    "missing": "This field is required.",
    "string_too_long": "Too long: at most {max_length} characters.",
    "string_too_short": "Too short: at least {min_length} characters.",
    "too_long": "Too many items: at most {max_length}.",
    "too_short": "Too few items: at least {min_length}.",
    "enum": "Choose one of the allowed values.",
    "literal_error": "Choose one of the allowed values.",
    "uuid_parsing": "This is not a valid identifier.",
    "uuid_type": "This is not a valid identifier.",
    "int_parsing": "Enter a whole number.",
    "int_type": "Enter a whole number.",
    "greater_than_equal": "Must be at least {ge}.",
    "less_than_equal": "Must be at most {le}.",
    "greater_than": "Must be more than {gt}.",
    "less_than": "Must be less than {lt}.",
    "bool_parsing": "Answer yes or no.",
    "date_from_datetime_parsing": "Enter a valid date.",
    "date_parsing": "Enter a valid date.",
    "datetime_parsing": "Enter a valid date and time.",
    "datetime_from_date_parsing": "Enter a valid date and time.",
    "timezone_aware": "The time must include a time zone.",
    "extra_forbidden": "This field is not allowed.",
    "json_invalid": "The request body is not valid JSON.",
    "model_attributes_type": "The request body has the wrong shape.",
    "dict_type": "The request body has the wrong shape.",
    "list_type": "A list is expected here.",
    "string_type": "Text is expected here.",
    "string_pattern_mismatch": "This value has the wrong format.",
    "value_error": "This value is not valid.",
}


class FieldProblem(ValueError):
    """Raised by our own validators: carries an English msgid and a stable code."""

    def __init__(self, code: str, msgid: str) -> None:
        self.code = code
        self.msgid = msgid
        super().__init__(msgid)


def field_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for err in errors:
        ctx = err.get("ctx") or {}
        original = ctx.get("error")
        if isinstance(original, FieldProblem):
            code, message = original.code, _(original.msgid)
        else:
            code = err.get("type", "value_error")
            msgid = _MESSAGES.get(code, "This value is not valid.")
            try:
                message = _(msgid).format(**{k: v for k, v in ctx.items() if k != "error"})
            except (KeyError, IndexError):
                message = _(msgid)
        loc = [p for p in err.get("loc", ()) if p != "body"]
        out.append({"loc": loc, "code": code, "message": message})
    return out
