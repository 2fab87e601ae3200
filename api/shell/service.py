"""The service worker's precache list and version, computed from the files in pwa/.

No build step means no hashed file names: the worker's cache is versioned instead, with a
hash of every file it precaches. Any change to one of them changes `sw.js` itself, which is
how a browser learns that a new version exists (it compares the worker's bytes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from i18n import PUBLIC_LANGUAGES

PWA_DIR = Path(__file__).resolve().parent.parent.parent / "pwa"

# The agent app must start with no network: its shell, every module, the styles, icons,
# the vendored libraries, and the catalogs of all ten languages (hand-over mode).
_SKIP_PARTS = frozenset({"test", "office"})  # test harness; office screens are online-only
_SKIP_SUFFIXES = (".d.ts", ".md", ".webmanifest.map")
_SKIP_NAMES = frozenset({"LICENSE", "VERSION", "sw.js"})
# Under pwa/intake/ only the answer icons are the agent's (hand-over shows them offline).
_INTAKE_KEEP = ("intake", "icons")

VERSION_PLACEHOLDER = "'dev'"
PRECACHE_PLACEHOLDER = "['/']"


@dataclass(frozen=True)
class Shell:
    version: str
    urls: tuple[str, ...]


def _wanted(relative: Path) -> bool:
    parts = relative.parts
    if _SKIP_PARTS & set(parts) or relative.name in _SKIP_NAMES:
        return False
    if relative.name.endswith(_SKIP_SUFFIXES) or relative.name.startswith("."):
        return False
    if parts[:2] == ("js", "intake"):
        return False  # the public form's own script, served with its pages
    return not (parts[0] == "intake" and parts[:2] != _INTAKE_KEEP)


def precache(pwa_dir: Path) -> Shell:
    """Every file of the shell as a URL, and a version that changes when any of them does."""
    digest = hashlib.sha256()
    urls: list[str] = []
    for path in sorted(p for p in pwa_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(pwa_dir)
        if not _wanted(relative):
            continue
        url = "/" + relative.as_posix()
        urls.append(url)
        digest.update(url.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    catalogs = [f"/i18n/{lang}.json" for lang in PUBLIC_LANGUAGES]
    # The catalogs are built from the .po files: their content is part of the version too.
    return Shell(digest.hexdigest()[:16], ("/", *urls, *catalogs))


def worker_source(pwa_dir: Path, extra_version: str = "") -> str:
    """pwa/sw.js with its version and precache list filled in."""
    shell = precache(pwa_dir)
    source = (pwa_dir / "sw.js").read_text(encoding="utf-8")
    version = f"'{shell.version}{extra_version}'"
    urls = "[" + ", ".join(f"'{u}'" for u in shell.urls) + "]"
    return source.replace(VERSION_PLACEHOLDER, version, 1).replace(PRECACHE_PLACEHOLDER, urls, 1)
