"""Settings: one class, read from TERRAIN_* environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.files import create_once

# The push services browsers use: Chrome/Edge-on-Android and Opera (FCM), Firefox
# (Mozilla autopush), Safari (Apple), Edge on Windows (WNS).
DEFAULT_PUSH_HOSTS = (
    "fcm.googleapis.com,android.googleapis.com,*.push.services.mozilla.com,"
    "web.push.apple.com,*.push.apple.com,*.notify.windows.com"
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TERRAIN_", extra="ignore")
    _read_secret_key: SecretStr | None = PrivateAttr(default=None)

    data_dir: Path = Path("./data")
    database_url: str = ""
    secret_key: SecretStr | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    # Agent devices keep a token for weeks of offline work; the PIN lock protects the phone.
    access_token_lifetime_s: int = 60 * 60 * 24 * 30
    # Coordinator/admin browser sessions (policy: 30 min idle, 12 h absolute).
    staff_idle_timeout_s: int = 30 * 60
    staff_absolute_timeout_s: int = 12 * 60 * 60
    # Web Push (api/push). The VAPID private key: this setting (PEM, or the raw key in
    # base64url), else the PEM file at push_keys_path (a mounted secret), else the file
    # `terrain vapid init` writes into DATA_DIR. Never logged, never in a response.
    vapid_private_key: SecretStr | None = None
    push_keys_path: Path | None = None
    # Who runs this server, for the push services (mailto: or https:); default derived.
    vapid_subject: str = ""
    # Hosts a push subscription may point at (host, host:port, or *.domain). Subscriptions
    # elsewhere are refused, so the server never calls an address a client picked.
    push_allowed_hosts: str = DEFAULT_PUSH_HOSTS
    # Whether this instance drains the push outbox (any number of instances may).
    push_worker: bool = True
    # A claimed message is someone else's until this many seconds passed (a crashed
    # sender's messages go out again after it).
    push_lease_s: int = Field(default=60, ge=5)
    login_max_failures: int = 5
    login_window_s: int = 15 * 60
    # Comma-separated peers whose X-Forwarded-For we believe (the load balancer).
    trusted_proxies: str = ""
    # How long an idle HTTP connection is kept open. Longer than a load balancer's idle
    # timeout (60 s on most), and than a client's pause between two requests: otherwise the
    # server closes the connection just as the next request arrives on it, and that request
    # fails ("remote end closed connection", a 502 at the balancer).
    keepalive_s: int = Field(default=75, ge=1, le=3600)
    sql_echo: bool = False
    # Tests: on SQLite, a write outside a write transaction (BEGIN IMMEDIATE, api/db.py
    # begin_write) raises instead of risking "database is locked" under concurrency.
    sqlite_write_guard: bool = False
    # production: no API docs, JSON log lines. development: docs at /api/docs, plain logs.
    environment: Literal["development", "production"] = "development"
    # "json" or "plain"; empty: JSON in production.
    log_format: Literal["", "json", "plain"] = ""
    # Origins (scheme://host[:port]) allowed to call the API from a browser; empty: only
    # Terrain's own pages (no CORS headers at all). Never a wildcard.
    cors_origins: str = ""
    # The data controller and its privacy contact, as the public privacy notice names them.
    organisation_name: str = "Terrain"
    privacy_contact: str = "privacy@terrain.example"
    # Public intake submissions per client IP: "N/[M ]unit" rules, ";"-separated.
    intake_rate_limit: str = "5/10 minutes;20/day"
    # The team whose queue gets self-intakes that come with no attribution code (its name);
    # empty: the oldest team.
    intake_team: str = ""
    tombstone_horizon_days: int = Field(default=90, ge=90)
    # Retention (privacy-security.md, policy): leads with no activity for this long, and
    # self-intakes nobody answered for this long, are erased by `terrain purge`.
    retention_inactive_days: int = Field(default=365, ge=30)
    retention_unanswered_intake_days: int = Field(default=183, ge=30)
    # How often `serve` runs the purge by itself (0: never; run `terrain purge` from cron).
    purge_interval_h: float = Field(default=24, ge=0)
    # Set by `terrain serve` (not `--demo`) for its workers: run the daily jobs above.
    run_jobs: bool = False
    # Erasures are also appended here, outside the database, so that they are replayed
    # after restoring a backup taken before them. Default: DATA_DIR/erasures.jsonl.
    erasure_log: Path | None = None
    # Days to answer a data-subject request (GDPR Art. 12(3): one month).
    privacy_request_days: int = Field(default=30, ge=1)

    def json_logs(self) -> bool:
        return self.log_format == "json" or (
            self.log_format == "" and self.environment == "production"
        )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'terrain.sqlite3').resolve()}"

    def resolved_erasure_log(self) -> Path:
        return self.erasure_log or self.data_dir / "erasures.jsonl"

    def vapid_key_file(self) -> Path:
        return self.push_keys_path or self.data_dir / "vapid_private_key.pem"

    def resolved_vapid_subject(self) -> str:
        if self.vapid_subject:
            return self.vapid_subject
        if self.public_base_url.startswith("https://"):
            return self.public_base_url.rstrip("/")
        return "mailto:push@localhost"

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def resolved_secret_key(self) -> SecretStr:
        """The configured key, or one generated once into DATA_DIR and reused after."""
        if self.secret_key is not None:
            return self.secret_key
        # Read once: every detail view's audit row asks for it (its pseudonym), and reading
        # the file each time was a mkdir, a stat and a read per view (bench/api_reads.py).
        if self._read_secret_key is None:
            path = self.ensure_data_dir() / "secret_key"
            if not path.exists():
                create_once(path, secrets.token_urlsafe(48).encode())
            self._read_secret_key = SecretStr(path.read_text().strip())
        return self._read_secret_key


@lru_cache
def get_settings() -> Settings:
    return Settings()
