"""The `terrain` command: serve, migrate, demo data, users, devices, backup and restore.

Every command but `serve` reads the TERRAIN_* settings afresh and opens its own engine,
so it can run next to a live server (or inside a test) without sharing its caches.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, make_url, text
from sqlmodel import Session, col, select

from api import migrate
from api.audit import trail as audit
from api.config import Settings, get_settings
from api.db import begin_write, check_durability, get_engine, make_engine, refresh_statistics
from api.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from api.errors import AppError
from api.privacy import commands as privacy_commands
from api.privacy import service as privacy_service
from api.privacy.models import Erasure
from api.privacy.system import RESTORE
from api.push import keys as push_keys
from api.push.forget import forget_all
from api.users import service as user_service
from api.users.models import Device, Organisation, Team, TeamMember, User
from api.vocab import Role


class CommandError(Exception):
    """A problem to report in one line, without a traceback."""


# --- shared helpers ------------------------------------------------------------------


@contextmanager
def _engine(settings: Settings, *, upgrade: bool = True) -> Iterator[Engine]:
    """An engine on the configured database, brought up to date first (so that, say,
    `terrain users create` works on a fresh install before the first `serve`)."""
    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url())
    try:
        if upgrade:
            migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def _table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


def _user_by_email(session: Session, email: str) -> User:
    user = session.exec(select(User).where(col(User.email) == email.strip().lower())).first()
    if user is None:
        raise CommandError(f"no user with the e-mail {email}")
    return user


def _print_logins(base_url: str) -> None:
    print(f"\n  Open Terrain at {base_url}\n")
    print(f"  Demo logins (password: {DEMO_PASSWORD})")
    for email, what in DEMO_LOGINS:
        print(f"    {email:<28} {what}")
    print()


# --- serve, migrate, demo ------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    settings.ensure_data_dir()
    settings.resolved_secret_key()  # generated into DATA_DIR on the first start
    if settings.vapid_private_key is None and settings.push_keys_path is None:
        push_keys.write_new_key(settings.vapid_key_file())  # likewise, for Web Push
    engine = get_engine()
    # Several instances may start together: the upgrade holds a PostgreSQL advisory lock.
    migrate.upgrade(engine)
    check_durability(engine)
    demo = False
    if args.demo:
        with Session(engine) as session:
            summary = seed_demo(session)
            demo = summary is not None or _has_demo_users(session)
        if summary is not None:
            print(
                f"Seeded the demo organisation: {summary.counts['Lead']} leads "
                f"in {summary.seconds:.1f} s."
            )
    # After the demo's leads, if any: statistics of empty tables would be none at all.
    refresh_statistics(engine)
    engine.dispose()
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    base_url = f"http://{shown_host}:{args.port}"
    if "TERRAIN_PUBLIC_BASE_URL" not in os.environ:
        # Unset, the address people use is the one this server answers on (QR codes and
        # links made on `serve --port 8110` must not point at port 8000); the workers
        # (new processes) read it from the environment.
        os.environ["TERRAIN_PUBLIC_BASE_URL"] = base_url
    if demo:
        _print_logins(base_url)
    else:
        print(f"\n  Open Terrain at {base_url}\n")
    sys.stdout.flush()

    if not args.demo:
        # The workers (new processes) read it: they run the daily retention purge.
        os.environ["TERRAIN_RUN_JOBS"] = "true"
    if args.forwarded_allow_ips is not None:
        # One setting for the client address everywhere (rate limits, throttle, logs).
        os.environ["TERRAIN_TRUSTED_PROXIES"] = args.forwarded_allow_ips
    get_settings.cache_clear()
    settings = get_settings()
    import uvicorn

    from api.logs import log_config

    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # X-Forwarded-For/-Proto are judged by the app (api/proxies.py), never by uvicorn.
        proxy_headers=False,
        timeout_keep_alive=settings.keepalive_s,
        server_header=False,
        access_log=False,  # the app writes its own access line (api/logs.py)
        log_level=args.log_level,
        log_config=log_config(json_lines=settings.json_logs(), level=args.log_level),
    )
    return 0


def _has_demo_users(session: Session) -> bool:
    email = DEMO_LOGINS[0][0]
    return session.execute(select(User.id).where(col(User.email) == email)).first() is not None


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = Settings()
    with _engine(settings) as engine:
        if args.check:
            migrate.check(engine)
        found = check_durability(engine)
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    settings_text = ", ".join(f"{k}={v}" for k, v in found.items())
    print(f"Database is at revision {revision} ({engine.dialect.name}: {settings_text}).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = Settings()
    with _engine(settings) as engine, Session(engine) as session:
        summary = seed_demo(session, leads=args.leads, seed=args.seed)
    if summary is None:
        raise CommandError("the database already has users; demo data only goes into an empty one")
    counts = ", ".join(f"{n} {name}" for name, n in summary.counts.items())
    print(f"Seeded the demo organisation in {summary.seconds:.1f} s: {counts}.")
    _print_logins(settings.public_base_url)
    return 0


# --- users ---------------------------------------------------------------------------


def _organisation(session: Session, name: str | None) -> uuid.UUID:
    """The organisation new users join: the only one, the named one, or a new one."""
    orgs = list(session.exec(select(Organisation)))
    if name:
        for org in orgs:
            if org.name == name:
                return org.id
    elif len(orgs) == 1:
        return orgs[0].id
    elif len(orgs) > 1:
        raise CommandError("there are several organisations: name one with --organisation")
    begin_write(session)
    org = Organisation(name=name or "Terrain")
    session.add(org)
    session.commit()
    return org.id


def _team_ids(session: Session, names: Sequence[str]) -> list[uuid.UUID]:
    ids = []
    for name in names:
        team = session.exec(select(Team).where(col(Team.name) == name)).first()
        if team is None:
            raise CommandError(f"no team called {name}")
        ids.append(team.id)
    return ids


def _read_password(args: argparse.Namespace) -> str:
    if args.password is not None:
        return str(args.password)
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise CommandError("the passwords differ")
    return first


def cmd_users_create(args: argparse.Namespace) -> int:
    password = _read_password(args)
    with _engine(Settings()) as engine, Session(engine, expire_on_commit=False) as session:
        org_id = _organisation(session, args.organisation)
        user = user_service.create_user(
            session,
            organisation_id=org_id,
            email=args.email,
            name=args.name or args.email.split("@")[0],
            role=Role(args.role),
            password=password,
            language=args.language,
            team_ids=_team_ids(session, args.team),
        )
    print(f"Created {user.role} {user.email} ({user.id}).")
    return 0


def cmd_users_list(_args: argparse.Namespace) -> int:
    with _engine(Settings()) as engine, Session(engine) as session:
        users = session.execute(select(User).order_by(col(User.email))).scalars().all()
        teams: dict[uuid.UUID, list[str]] = {}
        memberships = session.execute(
            select(TeamMember.user_id, Team.name).join(Team, col(Team.id) == TeamMember.team_id)
        )
        for user_id, team_name in memberships:
            teams.setdefault(user_id, []).append(team_name)
        rows = [
            [
                u.email,
                u.name,
                u.role,
                ", ".join(sorted(teams.get(u.id, []))) or "-",
                "yes" if u.is_active else "no",
            ]
            for u in users
        ]
    if not rows:
        print("No users yet. Add one with: terrain users create EMAIL --role admin")
        return 0
    _table(rows, ["EMAIL", "NAME", "ROLE", "TEAMS", "ACTIVE"])
    return 0


def cmd_users_set_active(args: argparse.Namespace) -> int:
    with _engine(Settings()) as engine, Session(engine) as session:
        user = _user_by_email(session, args.email)
        user = user_service.set_user_active(session, user_id=user.id, active=args.active)
        action = "user.enable" if user.is_active else "user.disable"
        audit.record(session, actor=None, action=action, object_type="user", object_ref=user.id)
        print(f"{user.email} is now {'enabled' if user.is_active else 'disabled'}.")
    return 0


# --- devices -------------------------------------------------------------------------


def cmd_devices_list(args: argparse.Namespace) -> int:
    with _engine(Settings()) as engine, Session(engine) as session:
        query = select(Device, User.email).join(User, col(User.id) == col(Device.user_id))
        if args.user:
            query = query.where(col(User.id) == _user_by_email(session, args.user).id)
        if not args.all:
            query = query.where(col(Device.revoked_at).is_(None))
        found = session.execute(query.order_by(col(User.email), col(Device.created_at))).all()
        rows = [
            [
                str(d.id),
                email,
                d.name,
                _when(d.created_at),
                _when(d.last_used_at),
                _when(d.revoked_at),
            ]
            for d, email in found
        ]
    if not rows:
        print("No devices.")
        return 0
    _table(rows, ["ID", "USER", "NAME", "CREATED", "LAST USED", "REVOKED"])
    return 0


def cmd_devices_revoke(args: argparse.Namespace) -> int:
    try:
        device_id = uuid.UUID(args.device_id)
    except ValueError as exc:
        raise CommandError(f"not a device id: {args.device_id}") from exc
    with _engine(Settings()) as engine, Session(engine) as session:
        device = user_service.revoke_device(session, device_id=device_id, wipe=args.wipe)
        audit.record(
            session, actor=None, action="device.revoke", object_type="device", object_ref=device_id
        )
        wiped = " and will delete its local data" if device.wipe_requested else ""
        print(f"Device {device.id} ({device.name}) is revoked{wiped}.")
    return 0


# --- push keys ----------------------------------------------------------------------


def _load_vapid(settings: Settings) -> push_keys.VapidKeys | None:
    try:
        return push_keys.load_keys(settings)
    except push_keys.VapidKeyError as exc:
        raise CommandError(str(exc)) from exc


def cmd_vapid_init(_args: argparse.Namespace) -> int:
    settings = Settings()
    if settings.vapid_private_key is None:
        path = settings.vapid_key_file()
        if push_keys.write_new_key(path):
            print(f"Wrote a new VAPID private key to {path} (keep it secret, back it up).")
    keys = _load_vapid(settings)
    assert keys is not None
    print(f"VAPID key from {keys.source}. Public key (applicationServerKey):")
    print(keys.public_key)
    return 0


def cmd_vapid_show(_args: argparse.Namespace) -> int:
    keys = _load_vapid(Settings())
    if keys is None:
        raise CommandError("no VAPID key yet: run `terrain vapid init`")
    print(keys.public_key)
    return 0


def cmd_vapid_rotate(_args: argparse.Namespace) -> int:
    """A new key pair. Every subscription was made for the old public key, so they are all
    deleted (with what was queued); each app subscribes again at its next start."""
    settings = Settings()
    if settings.vapid_private_key is not None:
        raise CommandError(
            "the key comes from TERRAIN_VAPID_PRIVATE_KEY: put a new one there "
            "(`terrain vapid init` with the setting unset makes one), then run this again"
        )
    path = settings.vapid_key_file()
    push_keys.write_new_key(path, replace=True)
    with _engine(settings) as engine, engine.begin() as conn:
        dropped = forget_all(conn)
    keys = _load_vapid(settings)
    assert keys is not None
    print(f"New VAPID key in {path}; {dropped} subscription(s) deleted, apps subscribe again.")
    print(keys.public_key)
    return 0


# --- backup and restore --------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise CommandError("this SQLite database has no file to back up")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL for pg_dump/pg_restore, with the password moved to the environment
    (never on a command line that `ps` shows)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise CommandError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def backup_database(url: str, output: Path) -> Path:
    """A consistent copy of a live database: SQLite's online backup API, or pg_dump."""
    output.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = _sqlite_path(url)
        if not source.exists():
            raise CommandError(f"no database at {source}")
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(output)) as dst:
            src.backup(dst)
            if dst.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise CommandError("the backup copy failed its integrity check")
        return output
    dsn, env = _libpq(url)
    subprocess.run(
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={output}", dsn],
        env=env,
        check=True,
    )
    return output


def _is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def restore_database(url: str, backup: Path, *, force: bool = False) -> None:
    """Load a backup into the configured database, which must be empty unless `force`."""
    if not backup.is_file():
        raise CommandError(f"no backup at {backup}")
    engine = make_engine(url)
    try:
        if not force and not _is_empty(engine):
            raise CommandError("the target database is not empty (use --force to replace it)")
    finally:
        engine.dispose()
    if url.startswith("sqlite"):
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as src:
            try:
                intact = src.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            except sqlite3.DatabaseError as exc:
                raise CommandError(f"{backup} is not an SQLite backup ({exc})") from exc
            if not intact:
                raise CommandError("the backup file failed its integrity check")
            with closing(sqlite3.connect(target)) as dst:
                src.backup(dst)
        return
    dsn, env = _libpq(url)
    command = [_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction"]
    if force:
        command += ["--clean", "--if-exists"]
    subprocess.run([*command, f"--dbname={dsn}", str(backup)], env=env, check=True)


def keep_erasures(settings: Settings, url: str) -> None:
    """Copy the erasure ledger of the database about to be replaced into the log file, so
    that restoring an older backup cannot bring those people back."""
    engine = make_engine(url)
    try:
        if "erasure" not in inspect(engine).get_table_names():
            return
        with Session(engine) as session:
            in_db = set(session.execute(select(Erasure.subject)).scalars())
        privacy_service.append_erasure_log(settings, sorted(in_db - _logged(settings)))
    finally:
        engine.dispose()


def _logged(settings: Settings) -> set[str]:
    path = settings.resolved_erasure_log()
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["subject"] for line in lines if line.strip()}


def cmd_backup(args: argparse.Namespace) -> int:
    settings = Settings()
    url = settings.resolved_database_url()
    output = args.output
    if output is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        suffix = "sqlite3" if url.startswith("sqlite") else "dump"
        output = settings.ensure_data_dir() / "backups" / f"terrain-{stamp}.{suffix}"
    path = backup_database(url, Path(output))
    print(f"Backup written to {path} ({path.stat().st_size:,} bytes).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    settings = Settings()
    settings.ensure_data_dir()
    url = settings.resolved_database_url()
    # Erasures the database being replaced knows of go to the ledger file first.
    keep_erasures(settings, url)
    restore_database(url, Path(args.backup), force=args.force)
    # A backup from an older release is brought up to date.
    with _engine(settings) as engine:
        check_durability(engine)
        with Session(engine) as session:
            again = privacy_service.replay_erasures(session, settings=settings, actor=RESTORE)
    print(f"Restored {args.backup} into the {url.split(':', 1)[0]} database.")
    if again:
        print(f"Erased again {again} people erased after this backup was made.")
    return 0


# --- the parser ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="terrain",
        description="Terrain: the field tool for community outreach. "
        "Settings come from TERRAIN_* environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="migrate the database, then run the web server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes")
    serve.add_argument(
        "--demo", action="store_true", help="seed the demo organisation if there are no users"
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="comma-separated load balancer addresses whose X-Forwarded-For/-Proto are "
        "believed (sets TERRAIN_TRUSTED_PROXIES)",
    )
    serve.set_defaults(func=cmd_serve)

    mig = sub.add_parser("migrate", help="bring the database schema up to date")
    mig.add_argument("--check", action="store_true", help="also fail if models and schema differ")
    mig.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="seed the demo organisation into an empty database")
    demo.add_argument("--leads", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=20_250_301, help="random seed")
    demo.set_defaults(func=cmd_demo)

    users = sub.add_parser("users", help="list, create, disable users").add_subparsers(
        dest="users_command", required=True, metavar="ACTION"
    )
    create = users.add_parser("create", help="create a user (asks for the password)")
    create.add_argument("email")
    create.add_argument("--name")
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.agent.value)
    create.add_argument("--team", action="append", default=[], help="team name (repeatable)")
    create.add_argument("--language", default="fr")
    create.add_argument("--password", help="instead of the prompt (visible in shell history)")
    create.add_argument("--organisation", help="organisation name (created if missing)")
    create.set_defaults(func=cmd_users_create)
    users.add_parser("list", help="list users").set_defaults(func=cmd_users_list)
    disable = users.add_parser("disable", help="disable a user: every token stops at once")
    disable.add_argument("email")
    disable.set_defaults(func=cmd_users_set_active, active=False)
    enable = users.add_parser("enable", help="enable a disabled user again")
    enable.add_argument("email")
    enable.set_defaults(func=cmd_users_set_active, active=True)

    devices = sub.add_parser("devices", help="list or revoke devices").add_subparsers(
        dest="devices_command", required=True, metavar="ACTION"
    )
    dlist = devices.add_parser("list", help="list devices (active ones unless --all)")
    dlist.add_argument("--user", help="only this user's devices (e-mail)")
    dlist.add_argument("--all", action="store_true", help="include revoked devices")
    dlist.set_defaults(func=cmd_devices_list)
    revoke = devices.add_parser("revoke", help="revoke a device: its token stops at once")
    revoke.add_argument("device_id")
    revoke.add_argument(
        "--wipe", action="store_true", help="also make the phone delete its local data"
    )
    revoke.set_defaults(func=cmd_devices_revoke)

    vapid = sub.add_parser("vapid", help="the Web Push (VAPID) key pair").add_subparsers(
        dest="vapid_command", required=True, metavar="ACTION"
    )
    vapid.add_parser(
        "init", help="make the key pair once (into DATA_DIR) and print the public key"
    ).set_defaults(func=cmd_vapid_init)
    vapid.add_parser("show", help="print the public key").set_defaults(func=cmd_vapid_show)
    vapid.add_parser(
        "rotate", help="replace the key pair; every device subscribes again"
    ).set_defaults(func=cmd_vapid_rotate)

    backup = sub.add_parser("backup", help="write a consistent backup of the database")
    backup.add_argument(
        "--output", type=Path, help="file to write (default: DATA_DIR/backups/terrain-<time>.*)"
    )
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="load a backup into the (empty) database")
    restore.add_argument("backup", type=Path)
    restore.add_argument("--force", action="store_true", help="replace a database that has data")
    restore.set_defaults(func=cmd_restore)
    privacy_commands.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.func(args)
    except AppError as exc:
        print(f"terrain: {exc.msgid.format(**exc.params)}", file=sys.stderr)
        return 1
    except CommandError as exc:
        print(f"terrain: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"terrain: {Path(exc.cmd[0]).name} failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
