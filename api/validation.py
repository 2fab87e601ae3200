"""Pydantic validation errors → our error shape, with messages in the caller's language."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from i18n import N_
from i18n import gettext as _

# pydantic error type → English msgid (translated per request); {name} from the error ctx.
_MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "string_too_long": N_("Too long: at most {max_length} characters."),
    "string_too_short": N_("Too short: at least {min_length} characters."),
    "too_long": N_("Too many items: at most {max_length}."),
    "too_short": N_("Too few items: at least {min_length}."),
    "enum": N_("Choose one of the allowed values."),
    "literal_error": N_("Choose one of the allowed values."),
    "uuid_parsing": N_("This is not a valid identifier."),
    "uuid_type": N_("This is not a valid identifier."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "greater_than_equal": N_("Must be at least {ge}."),
    "less_than_equal": N_("Must be at most {le}."),
    "greater_than": N_("Must be more than {gt}."),
    "less_than": N_("Must be less than {lt}."),
    "bool_parsing": N_("Answer yes or no."),
    "date_from_datetime_parsing": N_("Enter a valid date."),
    "date_parsing": N_("Enter a valid date."),
    "datetime_parsing": N_("Enter a valid date and time."),
    "datetime_from_date_parsing": N_("Enter a valid date and time."),
    "timezone_aware": N_("The time must include a time zone."),
    "extra_forbidden": N_("This field is not allowed."),
    "json_invalid": N_("The request body is not valid JSON."),
    "model_attributes_type": N_("The request body has the wrong shape."),
    "dict_type": N_("The request body has the wrong shape."),
    "list_type": N_("A list is expected here."),
    "string_type": N_("Text is expected here."),
    "string_unicode": N_("This text contains characters that are not allowed."),
    "string_pattern_mismatch": N_("This value has the wrong format."),
    "value_error": N_("This value is not valid."),
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


def not_nullable(*names: str) -> Callable[[dict[str, Any]], None]:
    """`json_schema_extra` for a model whose fields may be left out but not sent as null
    (a validator refuses null with `required`): the schema then says so too."""

    def edit(schema: dict[str, Any]) -> None:
        for name in names:
            prop = schema.get("properties", {}).get(name)
            if not isinstance(prop, dict) or "anyOf" not in prop:
                continue
            kept = [s for s in prop["anyOf"] if s.get("type") != "null"]
            prop.pop("default", None)
            if len(kept) == 1:
                del prop["anyOf"]
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept

    return edit
