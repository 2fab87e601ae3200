"""Field normalisation: the e-mail and phone fast paths give exactly the libraries' answers."""

from __future__ import annotations

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from api.fields import _plain_email, _plain_phone, normalise_email, normalise_phone
from api.validation import FieldProblem

_LOCAL_CHARS = "abcXYZ019._%+-!#&'*/=?^`{|}~\"é "
_LABEL_CHARS = "abcXYZ019-_é"
_TLDS = [
    "be",
    "org",
    "COM",
    "test",
    "local",
    "onion",
    "arpa",
    "invalid",
    "localhost",
    "x",
    "b3",
    "123",
]


def _library(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


@st.composite
def addresses(draw: st.DrawFn) -> str:
    local = draw(st.text(_LOCAL_CHARS, min_size=0, max_size=70))
    labels = draw(
        st.lists(
            st.one_of(
                st.text(_LABEL_CHARS, min_size=0, max_size=66),
                st.sampled_from(["xn--bcher-kva", "ab--cd", "a", "-a", "a-", "test", "local"]),
            ),
            min_size=0,
            max_size=4,
        )
    )
    tld = draw(st.sampled_from(_TLDS))
    return f"{local}@{'.'.join([*labels, tld])}"


@settings(max_examples=3000, deadline=None)
@given(addresses())
@example("Person1@Example.ORG")
@example("a..b@x.be")
@example(".a@x.be")
@example("a.@x.be")
@example("a@xn--bcher-kva.de")
@example("a@x.test")
@example("a@sub.test.be")
@example("a@x-.be")
@example("a@-x.be")
@example("a" * 65 + "@x.be")
@example("a@" + "b" * 64 + ".be")
@example("a@" + ".".join(["b" * 60] * 5) + ".be")
def test_fast_path_agrees_with_the_library(value: str) -> None:
    fast = _plain_email(value)
    expected = _library(value)
    if fast is not None:
        assert fast == expected
    if expected is None:
        with pytest.raises(FieldProblem):
            normalise_email(value)
    else:
        assert normalise_email(value) == expected


def test_common_addresses_take_the_fast_path() -> None:
    for value in (
        "amina.el-idrissi@gmail.com",
        "Jan.Peeters+terrain@Telenet.BE",
        "x_y%z@a-b.co.uk",
    ):
        assert _plain_email(value) == value.lower()


def _library_phone(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, "BE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@st.composite
def typed_numbers(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["", "0", "00", "+", "+32", "0032", "+39", "+1", "+352", "++"]))
    body = draw(st.text("0123456789 ./-()x+", min_size=0, max_size=18))
    return prefix + body


@settings(max_examples=4000, deadline=None)
@given(typed_numbers())
@example("0470 12 34 56")
@example("02/512.34.56")
@example("+32 0470 12 34 56")
@example("0032470123456")
@example("+39 06 1234 5678")
@example("+1 (212) 555-0100")
@example("+32 470 12 34 56 ext. 12")
@example("0")
@example("+")
@example("0470" + "\uff11\uff12\uff13\uff14\uff15\uff16")  # full-width digits
def test_phone_fast_path_agrees_with_the_library(value: str) -> None:
    fast = _plain_phone(value)
    expected = _library_phone(value)
    if fast is not None:
        assert fast == expected
    if expected is None:
        with pytest.raises(FieldProblem):
            normalise_phone(value)
    else:
        assert normalise_phone(value) == expected


def test_belgian_numbers_as_typed_take_the_fast_path() -> None:
    for value in ("0470 12 34 56", "0470/12.34.56", "+32 470 12 34 56", "02 512 34 56"):
        assert _plain_phone(value) is not None
