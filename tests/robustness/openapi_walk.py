"""Walk an OpenAPI document: every schema a client sends (parameters and request bodies),
with `$ref`s followed, each visited once per path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method.upper(), path, op


def _walk(
    doc: dict[str, Any], node: Any, where: str, seen: frozenset[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(doc, item, where, seen)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name not in seen:
            target = doc["components"]["schemas"][name]
            yield from _walk(doc, target, f"{where}<{name}>", seen | {name})
        return
    yield where, node
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            for prop, sub in value.items():
                yield from _walk(doc, sub, f"{where}.{prop}", seen)
        elif key not in ("examples", "example", "default", "enum", "const"):
            yield from _walk(doc, value, where, seen)


def client_schemas(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, schema) for every schema node of what a client sends."""
    for method, path, op in operations(doc):
        for param in op.get("parameters", []):
            yield from _walk(
                doc, param.get("schema", {}), f"{method} {path} {param['name']}", frozenset()
            )
        for content_type, content in op.get("requestBody", {}).get("content", {}).items():
            yield from _walk(
                doc, content.get("schema", {}), f"{method} {path} body({content_type})", frozenset()
            )
