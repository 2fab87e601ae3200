"""Files that instances starting together may both try to create (keys in the data folder)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def create_once(path: Path, data: bytes) -> bool:
    """Create `path` (owner-only) holding `data`, unless it exists; True if this call made
    it. The data is written whole to a draft first and then linked into place: `link`
    fails when the name exists, so two instances never both write it, and neither can read
    it created but still empty (an O_EXCL create followed by a write allowed both)."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fp:
            fp.write(data)
        try:
            os.link(draft, path)
        except FileExistsError:
            return False
        return True
    finally:
        draft.unlink()
