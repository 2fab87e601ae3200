"""A code's short link, and its QR code as SVG or PNG (segno: no imaging library needed)."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import segno


def short_link(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/q/{code}"


def short_address(base_url: str, code: str) -> str:
    """The link as printed for typing by hand: no scheme ('terrain.example.be/q/K7QX2M')."""
    parts = urlsplit(short_link(base_url, code))
    return f"{parts.netloc}{parts.path}"


def _qr(url: str) -> segno.QRCode:
    # Level M survives a coffee stain on a cup sleeve (15 % of the modules).
    return segno.make_qr(url, error="m")


def svg(url: str) -> bytes:
    buf = io.BytesIO()
    _qr(url).save(
        buf, kind="svg", border=2, xmldecl=False, svgclass=None, lineclass=None, omitsize=True
    )
    return buf.getvalue()


def png(url: str, scale: int = 10) -> bytes:
    buf = io.BytesIO()
    _qr(url).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()
