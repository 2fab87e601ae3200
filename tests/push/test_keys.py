"""The VAPID key file when several instances start on one new data directory."""

from __future__ import annotations

import threading
from pathlib import Path

from api.config import Settings
from api.push.keys import load_keys, write_new_key


def test_instances_starting_together_write_one_key_and_all_read_it(tmp_path: Path) -> None:
    # Each "instance" does what `terrain serve` does at start: write a key if there is none,
    # then load it. One reading the file created but not yet written failed to parse it.
    for round_no in range(20):
        settings = Settings(data_dir=tmp_path / f"d{round_no}")
        start = threading.Barrier(12)
        written: list[bool] = []
        public: list[str] = []
        problems: list[Exception] = []

        def instance(
            settings: Settings = settings,
            start: threading.Barrier = start,
            written: list[bool] = written,
            public: list[str] = public,
            problems: list[Exception] = problems,
        ) -> None:
            start.wait()
            try:
                written.append(write_new_key(settings.vapid_key_file()))
                keys = load_keys(settings)
                assert keys is not None
                public.append(keys.public_key)
            except Exception as exc:  # collected: a thread's failure is the finding
                problems.append(exc)

        threads = [threading.Thread(target=instance) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert problems == []
        assert written.count(True) == 1
        assert len(public) == 12 and len(set(public)) == 1
        assert settings.vapid_key_file().stat().st_mode & 0o777 == 0o600
        assert [p.name for p in settings.vapid_key_file().parent.iterdir()] == [
            settings.vapid_key_file().name
        ]
