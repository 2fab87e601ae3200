"""The public form's rate limit with two real server processes on one database (one
TERRAIN_SECRET_KEY for both, as the README asks of several instances): the count is shared."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlmodel import Session

from api.db import make_engine
from api.users.models import Organisation, Team
from tests.intake.helpers import answers
from tests.support.server import ServerProcess


def test_two_instances_share_one_count(live_database: str, tmp_path: Path) -> None:
    engine = make_engine(live_database)
    with Session(engine) as session:
        org = Organisation(name="Two instances")
        session.add(org)
        session.flush()
        session.add(Team(organisation_id=org.id, name="Two instances queue"))
        session.commit()
    engine.dispose()
    env = {"TERRAIN_SECRET_KEY": "one secret for every instance " * 2}
    servers = [ServerProcess(live_database, tmp_path / name, env=env) for name in ("a", "b")]
    try:
        for server in servers:
            server.start()
        codes = []
        for n in range(6):
            with httpx.Client(base_url=servers[n % 2].base_url) as client:
                page = client.get("/fr/intake").text
                token = re.search(r'name="token" value="([0-9a-f]{32})"', page)
                assert token
                r = client.post("/fr/intake", data={"token": token[1], **answers()})
                codes.append(r.status_code)
        assert codes == [303] * 5 + [429]
    finally:
        for server in servers:
            server.stop()
