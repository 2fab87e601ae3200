"""Settings: the generated secret key when several instances start on one data directory."""

from __future__ import annotations

import threading
from pathlib import Path

from api.config import Settings


def test_instances_starting_together_share_one_whole_secret_key(tmp_path: Path) -> None:
    # Each round: a new data directory and 12 "instances" asking for the key at once. Any
    # reader that found the file created but not yet written would get an empty key.
    for round_no in range(30):
        data_dir = tmp_path / f"d{round_no}"
        start = threading.Barrier(12)
        keys: list[str] = []

        def read_key(
            data_dir: Path = data_dir, start: threading.Barrier = start, keys: list[str] = keys
        ) -> None:
            start.wait()
            keys.append(Settings(data_dir=data_dir).resolved_secret_key().get_secret_value())

        threads = [threading.Thread(target=read_key) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(keys) == 12
        assert len(set(keys)) == 1 and len(keys[0]) >= 48, keys
        # Only the key itself is left: no half-made drafts beside it.
        assert [p.name for p in data_dir.iterdir()] == ["secret_key"]
        assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
