"""The retention purge inside `terrain serve`: a thread that runs it an hour after start,
then every TERRAIN_PURGE_INTERVAL_H hours, each time followed by a refresh of SQLite's
statistics. On PostgreSQL an advisory lock keeps it to one instance at a time (it is
idempotent anyway). `serve --demo` leaves it off: the invented demo history is older than
the retention period."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, text
from sqlmodel import Session

from api.config import Settings
from api.db import refresh_statistics
from api.privacy import retention

log = logging.getLogger("terrain.purge")
FIRST_RUN_S = 3600.0
_LOCK_KEY = 0x7E22_0001  # pg_advisory_lock key of the purge


class DailyPurge:
    def __init__(self, engine: Engine, settings: Settings, *, first_run_s: float = FIRST_RUN_S):
        self.engine = engine
        self.settings = settings
        self.first_run_s = first_run_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="terrain-purge", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        wait = self.first_run_s
        while not self._stop.wait(wait):
            wait = self.settings.purge_interval_h * 3600
            try:
                self.run_once()
            except Exception as exc:  # the next run tries again; the server keeps serving
                log.error("purge failed: %s", type(exc).__name__)
            try:
                # As the leads grow, SQLite's plans follow (api/db.py).
                refresh_statistics(self.engine)
            except Exception as exc:
                log.error("statistics failed: %s", type(exc).__name__)

    def run_once(self) -> retention.PurgeReport | None:
        """One purge, unless another instance is running one (None then)."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY})
                if not got.scalar():
                    return None
            try:
                with Session(self.engine) as session:
                    report = retention.purge(session, settings=self.settings)
                log.info("purge: %s", "; ".join(report.lines()))
                return report
            finally:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                    conn.commit()


def start_daily_purge(engine: Engine, settings: Settings) -> DailyPurge | None:
    if not settings.run_jobs or settings.purge_interval_h <= 0:
        return None
    job = DailyPurge(engine, settings)
    job.start()
    return job
