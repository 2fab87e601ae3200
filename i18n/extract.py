"""Babel extraction methods for Terrain (registered in pyproject.toml `[tool.babel]`).

Besides the usual gettext keywords, the Python extractor finds the English msgids that are
never wrapped in `_()` because they are translated later, at response time:

- the first literal string passed to an `AppError` subclass (`InvalidInput("...", code=...)`),
  and the `message = "..."` default of every such class;
- the msgid of `FieldProblem(code, msgid)` (validation errors: always public).

A message is *public* (it must exist in every public-tier language) when its file matches one
of the mapping's `public_files` globs, when a `# i18n: public` comment sits on its line or on
the comment lines right above it, or when it is a validation message. Public messages carry
the extracted comment `i18n: public` in the template and the catalogs.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Collection, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import IO, Any, cast

from babel.messages.extract import extract_javascript as _babel_extract_javascript
from babel.util import pathmatch

ROOT = Path(__file__).resolve().parent.parent
COMMENT_TAG = "i18n:"
PUBLIC_COMMENT = "i18n: public"
ERROR_BASE = "AppError"
# The built-in AppError family; subclasses defined anywhere under these folders join it.
ERROR_SCAN_DIRS = ("api", "sync")
VALIDATION_CLASS = "FieldProblem"

# (lineno, funcname, messages, comments), the shape Babel expects from an extraction method.
Extracted = tuple[int, str, tuple[str | None, ...], list[str]]


@cache
def error_classes(root: Path = ROOT) -> frozenset[str]:
    """Names of AppError and of every class deriving from it (by name, across files)."""
    parents: dict[str, set[str]] = {}
    for folder in ERROR_SCAN_DIRS:
        for path in sorted((root / folder).rglob("*.py")):
            try:
                tree = ast.parse(path.read_bytes(), filename=str(path))
            except SyntaxError:
                continue
            _add_classes(tree, parents)
    return _family(parents, frozenset({ERROR_BASE}))


def _add_classes(tree: ast.AST, parents: dict[str, set[str]]) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            names = {_callee_name(base) for base in node.bases}
            parents.setdefault(node.name, set()).update(n for n in names if n)


def _family(parents: dict[str, set[str]], seed: frozenset[str]) -> frozenset[str]:
    family = set(seed)
    grew = True
    while grew:
        grew = False
        for name, bases in parents.items():
            if name not in family and bases & family:
                family.add(name)
                grew = True
    return frozenset(family)


def _callee_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _keyword_arg(call: ast.Call, name: str) -> str | None:
    for kw in call.keywords:
        if kw.arg == name:
            return _literal(kw.value)
    return None


def _comments_by_line(source: bytes) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.tokenize(io.BytesIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, SyntaxError):
        pass
    return comments


def _tagged_comments(
    comments: dict[int, str], comment_only: set[int], lineno: int, tags: Collection[str]
) -> list[str]:
    """Tagged comments on the message's line, or in the comment block right above it."""
    found: list[str] = []
    line = lineno - 1
    while line in comment_only:
        found.insert(0, comments[line])
        line -= 1
    if lineno in comments:
        found.append(comments[lineno])
    return [c for c in found if any(c.startswith(tag) for tag in tags)]


def _is_public_file(fileobj: IO[bytes], options: Mapping[str, Any]) -> bool:
    name = getattr(fileobj, "name", None)
    if not isinstance(name, str):
        return False
    path = Path(name).resolve()
    try:
        relative = path.relative_to(ROOT).as_posix()
    except ValueError:
        relative = path.as_posix()
    globs = options.get("public_files") or []
    if isinstance(globs, str):
        globs = globs.split()
    return any(pathmatch(pattern, relative) for pattern in globs)


def _messages_of(
    node: ast.AST, keywords: Collection[str], errors: frozenset[str]
) -> Iterator[tuple[int, str, tuple[str | None, ...], bool]]:
    """(lineno, funcname, args, is_validation) for every translatable call or error default."""
    for item in ast.walk(node):
        if isinstance(item, ast.Call):
            name = _callee_name(item.func)
            if name is None:
                continue
            if name in keywords:
                args = tuple(_literal(arg) for arg in item.args)
                if any(args):
                    yield item.lineno, name, args, False
            elif name == VALIDATION_CLASS:
                second = _literal(item.args[1]) if len(item.args) > 1 else None
                msgid = second or _keyword_arg(item, "msgid")
                if msgid:
                    yield item.lineno, "_", (msgid,), True
            elif name in errors:
                positional = [_literal(arg) for arg in item.args]
                msgid = next((s for s in positional if s), None) or _keyword_arg(item, "message")
                if msgid:
                    yield item.lineno, "_", (msgid,), False
        elif isinstance(item, ast.ClassDef) and item.name in errors:
            for statement in item.body:
                if (
                    isinstance(statement, ast.Assign)
                    and any(
                        isinstance(t, ast.Name) and t.id == "message" for t in statement.targets
                    )
                    and (text := _literal(statement.value))
                ):
                    yield statement.lineno, "_", (text,), False


def extract_python(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any] | Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel extraction method for Terrain's Python sources (see the module docstring)."""
    source = fileobj.read()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    comments = _comments_by_line(source)
    comment_only = set(comments) - _lines_with_code(source)
    tags = tuple(comment_tags) or (COMMENT_TAG,)
    public_file = _is_public_file(fileobj, options)
    for lineno, funcname, args, validation in sorted(
        _messages_of(tree, set(keywords), _file_errors(tree)), key=lambda m: m[0]
    ):
        found = _tagged_comments(comments, comment_only, lineno, tags)
        if (public_file or validation) and PUBLIC_COMMENT not in found:
            found.append(PUBLIC_COMMENT)
        yield lineno, funcname, args, found


def _file_errors(tree: ast.AST) -> frozenset[str]:
    """The error family, plus subclasses defined in this file (which may be outside api/)."""
    local: dict[str, set[str]] = {}
    _add_classes(tree, local)
    return _family(local, error_classes())


def _lines_with_code(source: bytes) -> set[int]:
    lines: set[int] = set()
    skip = {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
    }
    try:
        for tok in tokenize.tokenize(io.BytesIO(source).readline):
            if tok.type not in skip:
                lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        pass
    return lines


def extract_javascript(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any] | Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel's JavaScript extractor, plus the public flag for files matching `public_files`."""
    public_file = _is_public_file(fileobj, options)
    tags = tuple(comment_tags) or (COMMENT_TAG,)
    results = _babel_extract_javascript(
        fileobj,
        dict.fromkeys(keywords),
        tags,
        {"encoding": str(options.get("encoding", "utf-8")), "jsx": False, "template_string": True},
    )
    for result in results:
        # Babel's JS extractor yields (lineno, funcname, messages, comments) like any method;
        # its annotation describes the post-processed shape instead.
        lineno, funcname, messages, comments = cast(tuple[int, str | None, Any, list[str]], result)
        found = [c for c in comments if c]
        if public_file and PUBLIC_COMMENT not in found:
            found.append(PUBLIC_COMMENT)
        args = tuple(messages) if isinstance(messages, (list, tuple)) else (messages,)
        yield lineno, funcname or "_", args, found
