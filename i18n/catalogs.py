"""Catalog tooling: extract → update → report, and the checks CI runs.

    python -m i18n.catalogs update   # extract the template, update every .po, write plurals.js
    python -m i18n.catalogs check    # exit 1 when anything below is wrong (CI)
    python -m i18n.catalogs report   # what each language still misses

(`scripts/i18n` wraps these.) Babel drops headers it does not know when it reads a .po file,
so `pybabel update` would lose `X-Review-Status`; this module runs Babel's own update through
its API and puts that header back. For the same reason staleness is checked on the catalogs'
content (msgids, contexts, public flags, source files) — `pybabel update --check` semantics
without its sensitivity to line numbers.
"""

from __future__ import annotations

import copy
import io
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import unescape, write_po

from i18n import LANGUAGE_NAMES, LOCALES_DIR, PUBLIC_LANGUAGES, STAFF_LANGUAGES, jsexport
from i18n.extract import PUBLIC_COMMENT, ROOT
from i18n.pofile import PLURAL_FORMS, is_translated, po_path, read_catalog, strings_of

TEMPLATE = LOCALES_DIR / "messages.pot"
SOURCE_LANGUAGE = "en"
REVIEW_HEADER = "X-Review-Status"
DEFAULT_REVIEW_STATUS = "draft"
HEADER_COMMENT = """\
# Terrain: {name} messages.
# This file is distributed under the same license as the Terrain project.
#
# X-Review-Status stays "draft" until a native speaker has checked
# every message, then becomes "reviewed YYYY-MM-DD <name>".
# Edit msgstr lines only, then run scripts/i18n."""
IGNORE_DIRS = ".* _* node_modules vendor tests bench data build dist"

_HEADER_LINE = re.compile(r'^"([A-Za-z-]+): (.*)\\n"$')
_BRACE_FIELD = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")


def plural_forms_header(language: str) -> str:
    count, expr = PLURAL_FORMS[language]
    return f"nplurals={count}; plural={expr};"


# --- reading and writing ------------------------------------------------------------------


def raw_headers(path: Path) -> dict[str, str]:
    """The header entry as written in the file, including headers Babel does not keep."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index('msgid ""') + 1
    text = ""
    for line in lines[start:]:
        line = line.strip()
        if line.startswith("msgstr "):
            line = line[len("msgstr ") :]
        if not line.startswith('"'):
            break
        text += unescape(line)
    headers: dict[str, str] = {}
    for entry in text.splitlines():
        name, sep, value = entry.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    return headers


def write_catalog(catalog: Catalog, path: Path, *, review_status: str | None) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, width=76, ignore_obsolete=True, include_lineno=False)
    text = buf.getvalue().decode("utf-8")
    if review_status:
        # Babel drops headers it does not know: put ours back, before a one-line header.
        at = text.index('"MIME-Version: ')
        text = f'{text[:at]}"{REVIEW_HEADER}: {review_status}\\n"\n{text[at:]}'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- extraction and update ----------------------------------------------------------------


def _project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as fp:
        return str(tomllib.load(fp)["project"]["version"])


def extract_template(output: Path) -> Catalog:
    """Run `pybabel extract` with the mapping in pyproject.toml; returns the template."""
    command = [
        sys.executable,
        "-m",
        "babel.messages.frontend",
        "--quiet",
        "extract",
        "--mapping-file=pyproject.toml",
        "--add-location=file",
        f"--ignore-dirs={IGNORE_DIRS}",
        "--project=Terrain",
        f"--version={_project_version()}",
        "--copyright-holder=Terrain contributors",
        f"--output-file={output}",
        ".",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pybabel extract failed:\n{done.stderr}")
    return read_catalog(output)


def refresh_template() -> Catalog:
    """Extract into the committed template, keeping the old file when nothing changed
    (so its POT-Creation-Date does not churn)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh_path = Path(tmp) / "messages.pot"
        fresh = extract_template(fresh_path)
        if not TEMPLATE.exists() or _without_date(TEMPLATE) != _without_date(fresh_path):
            TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
            TEMPLATE.write_bytes(fresh_path.read_bytes())
    return fresh


def _without_date(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if not line.startswith('"POT-Creation-Date:')]


def updated_catalog(template: Catalog, language: str, existing: Catalog | None) -> Catalog:
    """Babel's update (fuzzy matching on), then our fixed headers and the English source."""
    if existing is None:
        existing = Catalog(
            locale=language,
            header_comment=HEADER_COMMENT.format(name=LANGUAGE_NAMES[language]),
            project=template.project,
            version=template.version,
            copyright_holder="Terrain contributors",
            creation_date=template.creation_date,
            last_translator="Terrain contributors",
        )
    count = PLURAL_FORMS[language][0]
    existing.mime_headers = [("Plural-Forms", plural_forms_header(language))]
    # update() adopts the template's Message objects for new entries: give it a copy.
    existing.update(copy.deepcopy(template), update_creation_date=False)
    existing.language_team = f"{LANGUAGE_NAMES[language]} ({language})"
    existing.fuzzy = False
    for message in existing:
        forms = strings_of(message)[:count]
        if message.id and message.pluralizable and len(forms) != count:
            # New plural entries arrive sized for the template (2 forms).
            message.string = tuple(forms + [""] * (count - len(forms)))
    if language == SOURCE_LANGUAGE:
        # msgids are English: the English catalog says exactly the msgid.
        for message in existing:
            if message.id:
                message.string = message.id
                message.flags.discard("fuzzy")
    return existing


def update_catalogs(template: Catalog) -> None:
    for language in PUBLIC_LANGUAGES:
        path = po_path(language)
        existing = read_catalog(path, language) if path.exists() else None
        status = raw_headers(path).get(REVIEW_HEADER) if path.exists() else None
        catalog = updated_catalog(template, language, existing)
        write_catalog(catalog, path, review_status=status or DEFAULT_REVIEW_STATUS)


# --- what the checks look at --------------------------------------------------------------


def is_public(message: Message) -> bool:
    return PUBLIC_COMMENT in message.auto_comments


def messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def required(language: str, message: Message) -> bool:
    return language in STAFF_LANGUAGES or is_public(message)


def missing(language: str, catalog: Catalog) -> list[str]:
    """msgids this language must have and does not (untranslated or fuzzy)."""
    return [
        _text(m.id) for m in messages(catalog) if required(language, m) and not is_translated(m)
    ]


def _text(value: str | Iterable[str]) -> str:
    return value if isinstance(value, str) else next(iter(value))


def _shape(catalog: Catalog) -> dict[object, tuple[bool, frozenset[str]]]:
    """What extraction decides about each message: its key, public flag and source files."""
    return {
        (m.context, m.id if isinstance(m.id, str) else tuple(m.id)): (
            is_public(m),
            frozenset(path for path, _line in m.locations),
        )
        for m in messages(catalog)
    }


def stale(fresh: Catalog) -> list[str]:
    """Differences between a fresh extraction and the committed template and catalogs."""
    expected = _shape(fresh)
    problems: list[str] = []
    targets = [("template", TEMPLATE)] + [(lang, po_path(lang)) for lang in PUBLIC_LANGUAGES]
    for name, path in targets:
        if not path.exists():
            problems.append(f"{name}: {path.relative_to(ROOT)} is missing")
            continue
        shape = _shape(read_catalog(path))
        added = [k for k in expected if k not in shape]
        gone = [k for k in shape if k not in expected]
        changed = [k for k in expected if k in shape and shape[k] != expected[k]]
        for label, keys in (("new", added), ("obsolete", gone), ("changed", changed)):
            if keys:
                problems.append(f"{name}: {len(keys)} {label} message(s), e.g. {keys[0]!r}")
    return problems


def placeholders(text: str) -> set[str]:
    """The str.format fields of a message ('{name}', '{0}'); '{{' escapes are not fields."""
    return set(_BRACE_FIELD.findall(text))


def placeholder_errors(language: str, catalog: Catalog) -> list[str]:
    errors: list[str] = []
    for message in messages(catalog):
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = strings_of(message)
        wanted = set().union(*(placeholders(i) for i in ids))
        for text in strings:
            if text and placeholders(text) != wanted:
                errors.append(f"{language}: {_text(message.id)!r}: placeholders in {text!r}")
    # Babel's own checkers, as run by `pybabel compile` (python-format, plural counts).
    for message, problems in catalog.check():
        errors.extend(f"{language}: {_text(message.id)!r}: {problem}" for problem in problems)
    return errors


def header_errors(language: str) -> list[str]:
    path = po_path(language)
    headers = raw_headers(path)
    errors: list[str] = []
    if not headers.get(REVIEW_HEADER):
        errors.append(f"{language}: no {REVIEW_HEADER} header")
    if headers.get("Plural-Forms") != plural_forms_header(language):
        errors.append(f"{language}: Plural-Forms is {headers.get('Plural-Forms')!r}")
    if headers.get("Language") != language:
        errors.append(f"{language}: Language header is {headers.get('Language')!r}")
    count = PLURAL_FORMS[language][0]
    for message in messages(read_catalog(path, language)):
        forms = strings_of(message)
        if message.pluralizable and len(forms) != count:
            errors.append(f"{language}: {_text(message.id)!r} has {len(forms)} plural forms")
    return errors


def check(fresh: Catalog | None = None) -> list[str]:
    """Every CI problem at once; empty when all is well."""
    if fresh is None:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = extract_template(Path(tmp) / "messages.pot")
    problems = stale(fresh)
    for language in PUBLIC_LANGUAGES:
        if not po_path(language).exists():
            continue
        catalog = read_catalog(po_path(language), language)
        problems += [f"{language}: untranslated {msgid!r}" for msgid in missing(language, catalog)]
        problems += placeholder_errors(language, catalog)
        problems += header_errors(language)
    if jsexport.plurals_module_source() != _read(jsexport.PLURALS_MODULE):
        problems.append("pwa/js/i18n/plurals.js is out of date: run scripts/i18n")
    return problems


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def report() -> str:
    lines = []
    for language in PUBLIC_LANGUAGES:
        catalog = read_catalog(po_path(language), language)
        gaps = missing(language, catalog)
        tier = "staff" if language in STAFF_LANGUAGES else "public"
        status = raw_headers(po_path(language)).get(REVIEW_HEADER, "?")
        lines.append(f"{language} ({tier}, {status}): {len(gaps)} missing")
        lines.extend(f"    {msgid}" for msgid in gaps)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "update"
    if command == "update":
        template = refresh_template()
        update_catalogs(template)
        jsexport.write_plurals_module()
        print(report())
        return 0
    if command == "report":
        print(report())
        return 0
    if command == "check":
        problems = check()
        print("\n".join(problems) or "i18n: all catalogs complete and up to date")
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
