"""Detail-view audit rows committed together (api/audit/views.py), on a database of its own
with real commits: each view's row is committed before its call returns, and a row that
cannot be written fails its own view only."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from api.audit import trail, views
from api.audit.models import AuditEvent
from api.db import make_engine
from api.privacy.pseudonym import pseudonym
from api.users.actor import Actor
from api.users.models import Device, User
from sync.sqltypes import utcnow

VIEWERS = 24


@pytest.fixture(scope="module")
def engine(live_database: str) -> Iterator[Engine]:
    engine = make_engine(live_database, write_guard=True)
    yield engine
    engine.dispose()


def _row(ref: str, action: str | None = "lead.view") -> dict[str, Any]:
    return {
        "at": utcnow(),
        "actor_id": uuid.uuid4(),
        "action": action,
        "object_type": "person",
        "object_ref": ref,
        "row_count": None,
    }


def _committed(engine: Engine, refs: list[str]) -> int:
    # A connection of its own: it sees committed rows only.
    with engine.connect() as conn:
        query = select(func.count()).where(col(AuditEvent.object_ref).in_(refs))
        return int(conn.execute(query).scalar_one())


def _concurrently(work: list[Any]) -> list[BaseException | None]:
    """Run each callable on its own thread, all released at once; what each raised."""
    start = threading.Barrier(len(work))
    outcomes: list[BaseException | None] = [None] * len(work)

    def run(n: int) -> None:
        start.wait()
        try:
            work[n]()
        except BaseException as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_concurrent_views_are_each_committed_before_their_answer(engine: Engine) -> None:
    writer = views.writer_for(engine)
    refs = [uuid.uuid4().hex for _ in range(VIEWERS)]
    seen_after_return: list[int] = [0] * VIEWERS

    def view(n: int) -> None:
        writer.write(_row(refs[n]))
        # Its own row is committed by the time write returns.
        seen_after_return[n] = _committed(engine, [refs[n]])

    outcomes = _concurrently([lambda n=n: view(n) for n in range(VIEWERS)])
    assert outcomes == [None] * VIEWERS
    assert seen_after_return == [1] * VIEWERS
    assert _committed(engine, refs) == VIEWERS


def test_a_row_that_cannot_be_written_fails_its_own_view_only(engine: Engine) -> None:
    writer = views.writer_for(engine)
    refs = [uuid.uuid4().hex for _ in range(8)]
    # No action: the database refuses the row (NOT NULL), whatever else is in its batch.
    rows = [_row(ref, action=None if n == 3 else "lead.view") for n, ref in enumerate(refs)]
    outcomes = _concurrently([lambda r=r: writer.write(r) for r in rows])
    assert isinstance(outcomes[3], IntegrityError)
    assert [o for n, o in enumerate(outcomes) if n != 3] == [None] * 7
    assert _committed(engine, refs) == 7
    # The writer goes on after a failure.
    writer.write(_row(refs[3]))
    assert _committed(engine, refs) == 8


def test_record_view_on_a_request_session_commits_through_the_writer(engine: Engine) -> None:
    """A request's session (bound to the engine, not to a test's connection) commits the
    row through the writer, the person named by pseudonym."""
    lead_id, viewer = uuid.uuid4(), uuid.uuid4()
    actor = Actor(user=User(id=viewer), device=Device(), team_ids=frozenset())
    with Session(engine, expire_on_commit=False) as session:
        trail.record_view(session, actor=actor, lead_id=lead_id)
        assert not session.in_transaction()
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEvent.actor_id, AuditEvent.action, AuditEvent.object_type).where(
                col(AuditEvent.object_ref) == pseudonym(lead_id)
            )
        ).all()
    assert [tuple(r) for r in rows] == [(viewer, "lead.view", "person")]
