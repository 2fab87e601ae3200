"""Push shapes: the browser's PushSubscription.toJSON(), preferences, the public key."""

from __future__ import annotations

import binascii
from datetime import time
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_serializer,
    field_validator,
    model_validator,
)

from api.fields import SingleLine
from api.push.keys import b64url_decode
from api.validation import FieldProblem

_IGNORE_EXTRA = ConfigDict(extra="ignore")


# A time of day without a time zone (the schema's `format: time` would allow one).
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?$"}
    ),
]


class SubscriptionKeys(BaseModel):
    model_config = _IGNORE_EXTRA
    p256dh: str = Field(min_length=80, max_length=100)
    auth: str = Field(min_length=16, max_length=40)

    @field_validator("p256dh")
    @classmethod
    def is_a_p256_point(cls, value: str) -> str:
        # The browser's ECDH public key: 65 bytes, uncompressed, on the P-256 curve
        # (anything else would only fail later, in the sender).
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(value))
        except (ValueError, binascii.Error) as exc:
            raise FieldProblem("invalid_push_key", "This push key is not valid.") from exc
        return value

    @field_validator("auth")
    @classmethod
    def is_sixteen_bytes(cls, value: str) -> str:
        try:
            ok = len(b64url_decode(value)) == 16
        except (ValueError, binascii.Error):
            ok = False
        if not ok:
            raise FieldProblem("invalid_push_key", "This push key is not valid.")
        return value


class SubscriptionIn(BaseModel):
    """What `PushSubscription.toJSON()` gives (expirationTime is ignored)."""

    model_config = _IGNORE_EXTRA
    endpoint: Annotated[str, Field(min_length=8, max_length=1024), SingleLine]
    keys: SubscriptionKeys


class SubscriptionOut(BaseModel):
    id: str
    created: bool


class PublicKey(BaseModel):
    public_key: str  # applicationServerKey, base64url


class Preferences(BaseModel):
    """Per user: each kind on or off, quiet hours and the digest's hour (Europe/Brussels)."""

    model_config = _IGNORE_EXTRA
    assigned: bool = True
    intake: bool = True
    sent_back: bool = True
    digest: bool = True
    quiet_start: LocalTime | None = None
    quiet_end: LocalTime | None = None
    digest_time: LocalTime = time(7, 30)

    @field_validator("quiet_start", "quiet_end", "digest_time")
    @classmethod
    def minutes_only(cls, value: time | None) -> time | None:
        if value is not None and value.tzinfo is not None:
            raise FieldProblem("invalid_time", "Enter a time of day without a time zone.")
        return value.replace(second=0, microsecond=0) if value is not None else None

    @model_validator(mode="after")
    def quiet_hours_are_a_span(self) -> Preferences:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise FieldProblem("quiet_hours_incomplete", "Give both ends of the quiet hours.")
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise FieldProblem("quiet_hours_empty", "Quiet hours must start and end apart.")
        return self

    @field_serializer("quiet_start", "quiet_end", "digest_time")
    def hours_and_minutes(self, value: time | None) -> str | None:
        return value.strftime("%H:%M") if value is not None else None
