"""A real Web Push receiver on loopback, standing in for FCM/Mozilla/Apple/WNS.

Each subscription is made as a browser makes it (a P-256 ECDH key pair and a 16-byte
auth secret, kept here); every message the server POSTs is checked like a push service
and a browser would: the VAPID token (RFC 8292: ES256 signature by the server's public
key, audience, expiry, subject), the TTL and Urgency headers, then the body is decrypted
(RFC 8291 over RFC 8188 `aes128gcm`) with this implementation, independent of the
`http_ece` library the server encrypts with. Answers can be scripted per subscription
(429 with Retry-After, 410 …) to test what the server does with them.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


class PushError(AssertionError):
    """The server sent something a real push service or browser would refuse."""


@dataclass
class BrowserKeys:
    """What `pushManager.subscribe()` makes on the phone: the private half never leaves it."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    @property
    def p256dh(self) -> str:
        return b64u(_point(self.private_key.public_key()))

    def decrypt(self, body: bytes) -> bytes:
        """RFC 8291 §3.4 + RFC 8188 §2: the message as the browser's push handler sees it."""
        if len(body) < 21:
            raise PushError("body shorter than the aes128gcm header")
        salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
        keyid, records = body[21 : 21 + idlen], body[21 + idlen :]
        if idlen != 65 or rs < 18:
            raise PushError(f"bad header: idlen={idlen} rs={rs}")
        sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), keyid)
        shared = self.private_key.exchange(ec.ECDH(), sender)
        ua_public = _point(self.private_key.public_key())
        ikm = _hkdf(self.auth, shared, b"WebPush: info\x00" + ua_public + keyid, 32)
        cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
        nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
        out = b""
        chunks = [records[i : i + rs] for i in range(0, len(records), rs)]
        for seq, chunk in enumerate(chunks):
            iv = (int.from_bytes(nonce, "big") ^ seq).to_bytes(12, "big")
            plain = AESGCM(cek).decrypt(iv, chunk, None).rstrip(b"\x00")
            last = seq == len(chunks) - 1
            if not plain or plain[-1] != (2 if last else 1):
                raise PushError("bad padding delimiter")
            out += plain[:-1]
        return out


@dataclass(frozen=True)
class Received:
    token: str  # which subscription (the last part of its endpoint)
    payload: dict[str, Any]
    raw: bytes  # the decrypted bytes
    size: int  # encrypted body size
    headers: dict[str, str]
    at: float


def check_vapid(authorization: str, *, public_key: str, audience: str) -> dict[str, Any]:
    """RFC 8292 §3: `vapid t=<JWT>, k=<public key>`; ES256 over the token; the claims."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise PushError(f"not a vapid Authorization: {scheme}")
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    if parts.get("k") != public_key:
        raise PushError("signed with another key than the one the app subscribed with")
    head, body, signature = parts["t"].split(".")
    raw = unb64u(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64u(public_key))
    try:
        key.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise PushError("bad VAPID signature") from exc
    if json.loads(unb64u(head)) != {"typ": "JWT", "alg": "ES256"}:
        raise PushError("bad JWT header")
    claims: dict[str, Any] = json.loads(unb64u(body))
    now = time.time()
    if claims.get("aud") != audience:
        raise PushError(f"audience {claims.get('aud')!r}, expected {audience!r}")
    if not now < int(claims["exp"]) <= now + 24 * 3600:
        raise PushError("expiry not within 24 h (RFC 8292 §2)")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise PushError("no contact subject")
    return claims


class PushReceiver:
    """The loopback push service. `subscribe()` gives a browser's `toJSON()`."""

    def __init__(self, server_public_key: str) -> None:
        self.server_public_key = server_public_key
        self.keys: dict[str, BrowserKeys] = {}
        self.received: list[Received] = []
        self.refused: list[str] = []  # what a real service would have refused, and why
        self.answers: dict[str, deque[tuple[int, dict[str, str]]]] = {}
        self.hits: dict[str, list[float]] = {}
        self.delay_s = 0.0
        self.decrypt = True
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def origin(self) -> str:
        return f"http://{self.host}"

    def start(self) -> PushReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def subscribe(self) -> dict[str, Any]:
        token = secrets.token_urlsafe(24)
        keys = BrowserKeys()
        self.keys[token] = keys
        return {
            "endpoint": f"{self.origin}/push/{token}",
            "expirationTime": None,
            "keys": {"p256dh": keys.p256dh, "auth": b64u(keys.auth)},
        }

    def answer(self, token: str, *answers: tuple[int, dict[str, str]]) -> None:
        """Answer this subscription's next requests with these (status, headers)."""
        self.answers.setdefault(token, deque()).extend(answers)

    def for_token(self, token: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.token == token]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        with self._lock:
            raise AssertionError(f"{len(self.received)} of {count} pushes arrived: {self.refused}")

    def _handle(
        self, token: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str]]:
        with self._lock:
            self.hits.setdefault(token, []).append(time.monotonic())
            scripted = self.answers.get(token)
            if scripted:
                return scripted.popleft()
        keys = self.keys.get(token)
        if keys is None:
            return 404, {}
        try:
            check_vapid(
                headers.get("authorization", ""),
                public_key=self.server_public_key,
                audience=self.origin,
            )
            if headers.get("content-encoding") != "aes128gcm":
                raise PushError("not aes128gcm")
            if not headers.get("ttl", "").isdigit():
                raise PushError("no TTL header (RFC 8030 §5.2)")
            if headers.get("urgency") not in ("very-low", "low", "normal", "high"):
                raise PushError("no valid Urgency header")
            raw = keys.decrypt(body) if self.decrypt else b"{}"
            payload = json.loads(raw)
        except (PushError, ValueError, KeyError) as exc:
            with self._lock:
                self.refused.append(f"{type(exc).__name__}: {exc}")
            return 400, {}
        with self._lock:
            self.received.append(Received(token, payload, raw, len(body), headers, time.time()))
        return 201, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                token = self.path.rsplit("/", 1)[-1]
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra = receiver._handle(token, headers, body)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
