"""The server's VAPID key pair (RFC 8292): made once, read from a setting or a file.

The private key signs every push request and never leaves the server: it is read into
memory here and handed to the sender, never logged, never put in a response. The public
key is what the app passes to `pushManager.subscribe()` as `applicationServerKey`.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from api.config import Settings
from api.files import create_once


class VapidKeyError(Exception):
    """The configured key cannot be read (the message never contains the key)."""


@dataclass(frozen=True)
class VapidKeys:
    # repr=False: a key pair printed by accident (a traceback, a debugger) shows no secret.
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    public_key: str  # base64url, uncompressed P-256 point: the applicationServerKey
    source: str  # "setting", or the file it came from


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_of(private_key: ec.EllipticCurvePrivateKey) -> str:
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def _parse(text: str) -> ec.EllipticCurvePrivateKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = b64url_decode(text)
            if len(raw) != 32:
                raise ValueError("not a 32-byte key")
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError as exc:
        raise VapidKeyError("the VAPID private key is not a P-256 key (PEM or base64url)") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise VapidKeyError("the VAPID private key must be an EC P-256 key")
    return key


def pem_of(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_keys(settings: Settings) -> VapidKeys | None:
    """The configured key pair, or None when push is not set up (no setting, no file)."""
    if settings.vapid_private_key is not None:
        key = _parse(settings.vapid_private_key.get_secret_value())
        return VapidKeys(key, public_key_of(key), "setting")
    path = settings.vapid_key_file()
    if not path.is_file():
        return None
    key = _parse(path.read_text())
    return VapidKeys(key, public_key_of(key), str(path))


def write_new_key(path: Path, *, replace: bool = False) -> bool:
    """Write a new private key (owner-only). Without `replace` an existing file is kept
    (two instances starting together never both write, nor read it half made); True if
    one was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = pem_of(ec.generate_private_key(ec.SECP256R1()))
    if replace:
        # Written beside, then renamed over: a reader never sees half a key.
        tmp = path.with_name(path.name + ".new")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fp:
            fp.write(pem)
        tmp.replace(path)
        return True
    return create_once(path, pem)
