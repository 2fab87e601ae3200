"""Reusable validated field types (phone in E.164, e-mail, Belgian postcode, bounded text,
dates within the world). Every text a client sends goes through one of the text types here
(REST schemas and sync mutator args alike), so what text may hold is decided once."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from api.validation import FieldProblem
from i18n import N_
from sync.sqltypes import utcnow

DEFAULT_REGION = "BE"


# Separators agents type inside a number ("0470 12 34 56", "02/512.34.56", "0470-12-34-56").
_PHONE_SEPARATORS = str.maketrans("", "", " ./-")
_COUNTRY_CODES = phonenumbers.COUNTRY_CODE_TO_REGION_CODE


def _plain_phone(value: str) -> str | None:
    """E.164 for the shapes nearly every number has — a Belgian national number (0…), or
    +/00 and a country code, digits and separators only — with validity judged by the
    library; None when the full parser must decide. phonenumbers.parse costs ~12 µs of
    generic handling (extensions, letters, carrier codes) such a number cannot need; a
    property test holds this to the library's answers."""
    digits = value.translate(_PHONE_SEPARATORS)
    if digits.startswith("+"):
        international = digits[1:]
    elif digits.startswith("00"):
        international = digits[2:]
    elif digits.startswith("0"):
        international = "32" + digits[1:]
    else:
        return None
    if not (international.isascii() and international.isdigit()):
        return None
    for size in (1, 2, 3):  # country codes are prefix-free
        code = int(international[:size])
        if code in _COUNTRY_CODES:
            national = international[size:]
            break
    else:
        return None
    if not national or national[0] == "0":  # leading zeros (Italy…): the parser knows
        return None
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    if not phonenumbers.is_valid_number(number):
        return None
    return f"+{code}{national}"


def normalise_phone(value: str) -> str:
    """Parse a phone number as typed (Belgian by default) and return it in E.164."""
    plain = _plain_phone(value)
    if plain is not None:
        return plain
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise FieldProblem("invalid_phone", "This is not a valid phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise FieldProblem("invalid_phone", "This is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# The shape nearly every address has: a plain ASCII local part, letter-digit-hyphen
# labels and a letter TLD. email_validator spends ~20 µs on Unicode and IDNA rules such an
# address cannot trigger (a sync push validates 50 of them); anything else, and every
# refusal, goes through the library (a property test holds the two to the same answers).
_PLAIN_EMAIL = re.compile(
    r"(?P<local>[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*)"
    r"@(?P<domain>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})"
)
_SPECIAL_DOMAINS = tuple(SPECIAL_USE_DOMAIN_NAMES)


def _plain_email(value: str) -> str | None:
    """The normalised form of a plain address, or None when the library must judge."""
    lowered = value.lower()
    match = _PLAIN_EMAIL.fullmatch(lowered)
    if match is None or len(lowered) > 254 or len(match["local"]) > 64:
        return None
    domain = match["domain"]
    labels = domain.split(".")
    if any(label[2:4] == "--" for label in labels):  # IDNA (xn--) and reserved forms
        return None
    if any(domain == name or domain.endswith("." + name) for name in _SPECIAL_DOMAINS):
        return None
    return lowered


def normalise_email(value: str) -> str:
    plain = _plain_email(value)
    if plain is not None:
        return plain
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise FieldProblem("invalid_email", "This is not a valid e-mail address.") from exc
    return info.normalized.lower()


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _postcode(value: str) -> str:
    if not (len(value) == 4 and value.isdigit() and value[0] != "0"):
        raise FieldProblem("invalid_postcode", "A Belgian postcode has 4 digits.")
    return value


# -- what text may hold ---------------------------------------------------------------
# C0 control characters (NUL, escape, backspace …) are never text a person typed: NUL even
# fails the insert on PostgreSQL. Tab is allowed everywhere, a line break only in
# multi-line text (CR LF and lone CR become LF). A lone UTF-16 surrogate (JSON "\ud800")
# cannot be stored in UTF-8 at all. DEL and the C1 range are refused with them.
_SINGLE_LINE_BAD = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


CONTROL_CHARACTER = N_("This text contains characters that are not allowed.")


def single_line(value: str) -> str:
    if _SINGLE_LINE_BAD.search(value):
        raise FieldProblem("control_character", CONTROL_CHARACTER)
    return value


def multi_line(value: str) -> str:
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _MULTI_LINE_BAD.search(value):
        raise FieldProblem("control_character", CONTROL_CHARACTER)
    return value


# The same rules in the schema (issue 8.7: a schema-valid text is one the API takes), as
# patterns in the JSON Schema regex dialect, exact: the text is stripped of whitespace
# (Unicode White_Space, as pydantic strips) at its ends first, then checked. Lone
# surrogates are left out of the patterns: no regex engine of Rust (jsonschema-rs, which
# schemathesis uses) can name them, and a JSON text with one is no I-JSON (RFC 7493).
_WS = r"\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
SINGLE_LINE_BAD = r"\x00-\x08\x0a-\x1f\x7f-\x9f"
# A CR (alone or before LF) becomes a line break, so it is no control character here.
_MULTI_BAD = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"


def _text_pattern(bad: str, *, non_blank: bool) -> str:
    first = f"[^{bad}{_WS}]" if non_blank else ""
    return f"^[{_WS}]*{first}[^{bad}]*[{_WS}]*$"


SINGLE_LINE_PATTERN = _text_pattern(SINGLE_LINE_BAD, non_blank=False)
MULTI_LINE_PATTERN = _text_pattern(_MULTI_BAD, non_blank=False)
_NON_BLANK_PATTERNS = {
    SINGLE_LINE_PATTERN: _text_pattern(SINGLE_LINE_BAD, non_blank=True),
    MULTI_LINE_PATTERN: _text_pattern(_MULTI_BAD, non_blank=True),
}


@dataclass(frozen=True)
class _TextRule:
    """Validates text (single_line or multi_line) and states the rule in the schema: as
    `pattern` for a text stripped first, as `bad` alone for one taken as sent."""

    check: Callable[[str], str]
    pattern: str
    bad: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["pattern"] = self.pattern if _strips(schema) else f"^[^{self.bad}]*$"
        return out


def _strips(schema: Any) -> bool:
    """Whether the text under these validators is stripped before they see it."""
    while isinstance(schema, dict) and schema.get("type") != "str":
        schema = schema.get("schema")
    return isinstance(schema, dict) and bool(schema.get("strip_whitespace"))


@dataclass(frozen=True)
class _NonBlank:
    """Stripped text that must not end up empty: the schema says "has a non-blank
    character" (minLength alone would let "  " through, which the stripping empties)."""

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["pattern"] = _NON_BLANK_PATTERNS.get(out.get("pattern", ""), r"\S")
        return out


SingleLine = _TextRule(single_line, SINGLE_LINE_PATTERN, SINGLE_LINE_BAD)
MultiLine = _TextRule(multi_line, MULTI_LINE_PATTERN, _MULTI_BAD)


def _stripped(max_length: int, min_length: int = 0) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=40),
    SingleLine,
    AfterValidator(normalise_phone),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    SingleLine,
    AfterValidator(normalise_email),
]
Postcode = Annotated[
    str, StringConstraints(strip_whitespace=True), SingleLine, AfterValidator(_postcode)
]
# Stripped text that must not end up empty (after SingleLine or MultiLine).
NON_BLANK = _NonBlank()
Name = Annotated[str, _stripped(100, min_length=1), SingleLine, NON_BLANK]

Text20 = Annotated[str, _stripped(20), SingleLine]
Text40 = Annotated[str, _stripped(40), SingleLine]
Text80 = Annotated[str, _stripped(80), SingleLine]
Text120 = Annotated[str, _stripped(120), SingleLine]
Text200 = Annotated[str, _stripped(200), SingleLine]
Text500 = Annotated[str, _stripped(500), SingleLine]
# Multi-line: notes, bodies, descriptions.
Text1000 = Annotated[str, _stripped(1000), MultiLine]
Text2000 = Annotated[str, _stripped(2000), MultiLine]
Text4000 = Annotated[str, _stripped(4000), MultiLine]

# Optional values: an empty string from a form means "not given".
OptPhone = Annotated[Phone | None, BeforeValidator(_blank_to_none)]
OptEmail = Annotated[Email | None, BeforeValidator(_blank_to_none)]
OptPostcode = Annotated[Postcode | None, BeforeValidator(_blank_to_none)]
OptName = Annotated[Name | None, BeforeValidator(_blank_to_none)]
OptText20 = Annotated[Text20 | None, BeforeValidator(_blank_to_none)]
OptText40 = Annotated[Text40 | None, BeforeValidator(_blank_to_none)]
OptText80 = Annotated[Text80 | None, BeforeValidator(_blank_to_none)]
OptText120 = Annotated[Text120 | None, BeforeValidator(_blank_to_none)]
OptText200 = Annotated[Text200 | None, BeforeValidator(_blank_to_none)]
OptText500 = Annotated[Text500 | None, BeforeValidator(_blank_to_none)]
OptText1000 = Annotated[Text1000 | None, BeforeValidator(_blank_to_none)]
OptText2000 = Annotated[Text2000 | None, BeforeValidator(_blank_to_none)]
OptText4000 = Annotated[Text4000 | None, BeforeValidator(_blank_to_none)]


# -- dates within the world ---------------------------------------------------------------
# Nothing Terrain records happened before this day (a year-1 date is a typo or a probe).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# Phones and laptops drift a little; a time further ahead than this is a typo (or a poisoned
# clock: a lead's last touch only moves forward, so one far-future contact would stick).
CLOCK_DRIFT = timedelta(minutes=5)
# Plans (due days, planned sessions, next visits) reach at most this far ahead (a due day
# in 2150 is a typo; a few years ahead is a long-term plan).
PLAN_AHEAD = timedelta(days=5 * 366)


def _too_early(value: datetime) -> bool:
    return value < EARLIEST


def happened(value: datetime) -> datetime:
    """A time at which something happened: not before 2000, not after now (plus drift)."""
    if _too_early(value):
        raise FieldProblem("too_early", "This date is too far in the past.")
    if value > utcnow() + CLOCK_DRIFT:
        raise FieldProblem("in_future", "This time is in the future.")
    return value.astimezone(UTC)


def planned(value: datetime) -> datetime:
    """A time something happens or is planned for: from 2000 to about five years ahead."""
    if _too_early(value):
        raise FieldProblem("too_early", "This date is too far in the past.")
    if value > utcnow() + PLAN_AHEAD:
        raise FieldProblem("too_late", "This date is too far in the future.")
    return value.astimezone(UTC)


def plan_day(value: date) -> date:
    """A calendar day for a plan (a due day, the next visit): 2000 to about five years ahead."""
    if value < EARLIEST.date():
        raise FieldProblem("too_early", "This date is too far in the past.")
    if value > (utcnow() + PLAN_AHEAD).date():
        raise FieldProblem("too_late", "This date is too far in the future.")
    return value


@dataclass(frozen=True)
class _Window:
    """The window in the schema's words: JSON Schema has no bound for a date or a time
    (and these move with today), so the schema describes it instead."""

    text: str

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out.setdefault("description", self.text)
        return out


_FROM = f"From {EARLIEST.date().isoformat()} (else 422 too_early)"
_FIVE_YEARS = f"about five years ({PLAN_AHEAD.days} days) after today (else 422 too_late)"
# Aware times (a naive one is refused: the phone knows its offset, the server cannot guess
# it), checked, then stored in UTC.
PastInstant = Annotated[
    AwareDatetime,
    AfterValidator(happened),
    _Window(
        f"With its UTC offset. {_FROM} to at most {CLOCK_DRIFT.seconds // 60} minutes"
        " after the server's clock (else 422 in_future)."
    ),
]
PlannedInstant = Annotated[
    AwareDatetime,
    AfterValidator(planned),
    _Window(f"With its UTC offset. {_FROM} to {_FIVE_YEARS}."),
]
PlanDay = Annotated[
    date,
    AfterValidator(plan_day),
    _Window(f"{_FROM} to {_FIVE_YEARS}."),
]


# -- tally increments ----------------------------------------------------------------------
# A tap at a stand is +1 and its undo -1 (the agent app); a count entered afterwards over
# REST is one increment of up to this many, and a correction may take some back. Beyond it
# is a typo (or a probe that would skew the funnel's "reached"). Both write paths use this.
TALLY_MAX = 500


def _counts_something(value: int) -> int:
    if value == 0:
        raise FieldProblem("zero", N_("A count of zero changes nothing."))
    return value


# The schema says "not zero" too, so a client generated from it never sends one.
TallyDelta = Annotated[
    int,
    Field(ge=-TALLY_MAX, le=TALLY_MAX, json_schema_extra={"not": {"const": 0}}),
    AfterValidator(_counts_something),
]
