"""Exports: CSV for Belgian Excel (UTF-8 BOM, `;`, formulas neutralised), XLSX read back
with openpyxl holds the same rows, markers only for an admin who asks (never migrant
background), one audit row per export with its row count."""

from __future__ import annotations

import csv
import io

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from api.audit.models import AuditEvent
from api.exports.tables import cell_value, neutralise
from tests.conftest import World
from tests.leads.helpers import CONSENT, create_lead

NASTY = ['=HYPERLINK("http://x")', "+32 cmd", "-1+1", "@SUM(A1)", "\tTab", "\rCR"]
# Names are trimmed on input, so leading tabs and CRs are covered by test_neutralise.
STORED = NASTY[:4]


def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_csv_and_xlsx_hold_the_same_neutralised_rows(
    client: TestClient, world: World, db: Session
) -> None:
    for i, text in enumerate(STORED):
        create_lead(
            client,
            world,
            first_name="Zoë",
            last_name=text,
            phone=f"0470 00 00 1{i}",
            project_idea="Café; «épicerie» €",
        )
    who = world.auth("coordinator")
    rows = _csv_rows(client.get("/api/exports/leads.csv", headers=who).content)
    header, body = rows[0], rows[1:]
    assert len(body) == len(STORED)
    last_names = {row[header.index("last_name")] for row in body}
    assert last_names == {"'" + text for text in STORED}
    assert all(row[header.index("first_name")] == "Zoë" for row in body)
    assert "markers" not in header and "gender" not in header

    r = client.get("/api/exports/leads.xlsx", headers=who)
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    values = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert values[0] == header
    assert values[1:] == body
    # No cell became a formula.
    for row in sheet.iter_rows():
        assert all(cell.data_type != "f" for cell in row)


def test_neutralise() -> None:
    assert [neutralise(t) for t in NASTY] == ["'" + t for t in NASTY]
    assert neutralise("Amina") == "Amina" and neutralise("") == ""
    assert cell_value(["credit", "coaching"]) == "credit, coaching"
    assert cell_value(3) == 3


def test_markers_only_for_an_admin_who_asks(client: TestClient, world: World) -> None:
    consent = dict(CONSENT, purposes=["contact", "markers", "sensitive_markers"])
    create_lead(
        client, world, consent=consent, markers={"gender": "woman", "migrant_background": "yes"}
    )
    r = client.get("/api/exports/leads.csv?markers=true", headers=world.auth("coordinator"))
    assert r.status_code == 403
    rows = _csv_rows(
        client.get("/api/exports/leads.csv?markers=true", headers=world.auth("admin")).content
    )
    assert "gender" in rows[0] and rows[1][rows[0].index("gender")] == "woman"
    assert "migrant_background" not in rows[0]
    plain = _csv_rows(client.get("/api/exports/leads.csv", headers=world.auth("admin")).content)
    assert "gender" not in plain[0]


def test_every_export_is_audited_with_its_row_count(
    client: TestClient, world: World, db: Session
) -> None:
    create_lead(client, world)
    create_lead(client, world, phone="0470 55 55 55")
    who = world.auth("coordinator")
    before = db.execute(select(AuditEvent.id)).all()
    for path in (
        "/api/exports/leads.csv",
        "/api/exports/leads.xlsx?status=new",
        "/api/exports/funnel.csv?group_by=channel",
        "/api/exports/impact.xlsx?from=2026-01-01&to=2026-12-31",
    ):
        assert client.get(path, headers=who).status_code == 200, path
    events = (
        db.execute(
            select(AuditEvent)
            .where(AuditEvent.id.not_in([b[0] for b in before]))
            .order_by(AuditEvent.id)
        )
        .scalars()
        .all()
    )
    assert [(e.action, e.object_type, e.row_count) for e in events] == [
        ("export.leads", "csv", 2),
        ("export.leads", "xlsx", 2),
        ("export.funnel", "csv", 2),  # one channel and the total
        ("export.impact", "xlsx", 68),  # 2 periods x (7 figures + 3 x 9 shares)
    ]
    assert all(e.actor_id == world.coordinator.id for e in events)
