"""`terrain purge` and `terrain privacy …`: retention and data-subject rights from the
command line (for a DPO working on the server, or cron). Same services as the admin API."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session

from api import migrate
from api.audit import trail as audit
from api.config import Settings
from api.db import make_engine
from api.errors import InvalidInput
from api.leads.models import Lead
from api.privacy import export as exporter
from api.privacy import export_html, retention, service
from api.privacy.system import OPERATOR, RESTORE


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url())
    try:
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def _lead_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise InvalidInput("This is not a lead id.", code="invalid_id") from exc


def cmd_purge(args: argparse.Namespace) -> int:
    settings = Settings()
    with _session(settings) as session:
        report = retention.purge(session, settings=settings, dry_run=args.dry_run)
    print("Would erase:" if args.dry_run else "Purged:")
    for line in report.lines():
        print(f"  {line}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    settings = Settings()
    lead_id = _lead_id(args.lead_id)
    with _session(settings) as session:
        found = exporter.access_export(session.connection(), lead_id)
        lead = session.get(Lead, lead_id)
        if found is None or lead is None or lead.erased_at is not None:
            raise InvalidInput("There is no such lead.", code="not_found")
        session.rollback()
        audit.record_person(
            session,
            actor=None,
            action="lead.access_export",
            lead_id=lead_id,
            row_count=exporter.row_count(found),
        )
    if args.html:
        text = export_html.render(found, organisation=settings.organisation_name, language="en")
    else:
        text = json.dumps(found, indent=2, ensure_ascii=False)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Written to {args.output}.")
    else:
        sys.stdout.write(text + "\n")
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    settings = Settings()
    ids = [_lead_id(i) for i in args.lead_ids]
    if not args.yes:
        print("Erasure cannot be undone: add --yes.", file=sys.stderr)
        return 1
    with _session(settings) as session:
        done = service.erase(session, actor=OPERATOR, lead_ids=ids, settings=settings)
    print(f"Erased {done} of {len(ids)} (the others were erased already).")
    return 0


def cmd_requests(args: argparse.Namespace) -> int:
    with _session(Settings()) as session:
        rows, total = service.list_requests(session, status=args.status, limit=1000)
    for r in rows:
        lead = str(r.lead_id) if r.lead_id else "(erased)"
        print(f"{r.id}  {r.kind:<13} {r.status:<7} due {r.due_on}  {r.channel:<6} {lead}")
    print(f"{total} request(s).")
    return 0


def cmd_request(args: argparse.Namespace) -> int:
    settings = Settings()
    data = service.NewRequest(args.kind, _lead_id(args.lead_id), args.channel)
    with _session(settings) as session:
        request = service.open_request(session, actor=None, data=data, settings=settings)
    print(f"Registered {request.kind} request {request.id}, due {request.due_on}.")
    return 0


def cmd_replay(_args: argparse.Namespace) -> int:
    settings = Settings()
    with _session(settings) as session:
        n = service.replay_erasures(session, settings=settings, actor=RESTORE)
    print(f"Erased again: {n}.")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    purge = sub.add_parser("purge", help="erase people past the retention period")
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    purge.set_defaults(func=cmd_purge)

    privacy = sub.add_parser("privacy", help="data-subject rights").add_subparsers(
        dest="privacy_command", required=True, metavar="ACTION"
    )
    export = privacy.add_parser("export", help="everything about one person (JSON or HTML)")
    export.add_argument("lead_id")
    export.add_argument("--html", action="store_true")
    export.add_argument("--output", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_export)
    erase = privacy.add_parser("erase", help="erase people everywhere (cannot be undone)")
    erase.add_argument("lead_ids", nargs="+")
    erase.add_argument("--yes", action="store_true")
    erase.set_defaults(func=cmd_erase)
    requests = privacy.add_parser("requests", help="the register of requests")
    requests.add_argument("--status", choices=["open", "done", "refused"])
    requests.set_defaults(func=cmd_requests)
    request = privacy.add_parser("request", help="register a request (due in a month)")
    request.add_argument("kind", choices=service.REQUEST_KINDS)
    request.add_argument("lead_id")
    request.add_argument("--channel", choices=service.REQUEST_CHANNELS, default="office")
    request.set_defaults(func=cmd_request)
    replay = privacy.add_parser("replay-erasures", help="erase again who a restore brought back")
    replay.set_defaults(func=cmd_replay)
