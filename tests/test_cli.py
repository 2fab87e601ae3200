"""The `terrain` command: users and devices through the real entry point, against a real
database (commits are real, so each test gets its own)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.cli import main
from api.config import Settings
from api.db import make_engine
from api.errors import NotAuthenticated
from api.users import service as user_service
from api.users.models import Device, Team, TeamMember, User
from tests.scratch import BACKENDS, BIN, REPO_ROOT, scratch_database, terrain_env

PASSWORD = "a long enough secret"


@pytest.fixture(params=BACKENDS)
def cli_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """A fresh migrated database that `terrain` commands in this process will use."""
    with scratch_database(request.param, tmp_path) as url:
        monkeypatch.setenv("TERRAIN_DATABASE_URL", url)
        monkeypatch.setenv("TERRAIN_DATA_DIR", str(tmp_path / "data"))
        engine = make_engine(url)
        yield engine
        engine.dispose()


def _user(engine: Engine, email: str) -> User:
    with Session(engine) as session:
        return session.exec(select(User).where(col(User.email) == email)).one()


def test_users_create_list_disable_enable(
    cli_db: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "list"]) == 0
    assert "No users yet" in capsys.readouterr().out

    assert main(["users", "create", "Admin@Example.org", "--role", "admin", "--name", "Ada",
                 "--password", PASSWORD]) == 0  # fmt: skip
    assert "Created admin admin@example.org" in capsys.readouterr().out
    # The first user's organisation is reused; a team can then be joined.
    with Session(cli_db, expire_on_commit=False) as session:
        admin = session.exec(select(User)).one()
        session.add(Team(organisation_id=admin.organisation_id, name="Brussels"))
        session.commit()
    assert main(["users", "create", "fatima@example.org", "--team", "Brussels", "--password",
                 PASSWORD, "--language", "nl"]) == 0  # fmt: skip
    agent = _user(cli_db, "fatima@example.org")
    assert (agent.role, agent.language, agent.organisation_id) == (
        "agent",
        "nl",
        admin.organisation_id,
    )
    with Session(cli_db, expire_on_commit=False) as session:
        assert session.exec(
            select(TeamMember).where(col(TeamMember.user_id) == agent.id)
        ).one_or_none()

    capsys.readouterr()
    assert main(["users", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["EMAIL", "NAME", "ROLE", "TEAMS", "ACTIVE"]
    rows = {line.split()[0]: line.split() for line in listing[1:]}
    assert rows["fatima@example.org"][-2:] == ["Brussels", "yes"]
    assert rows["admin@example.org"][1:] == ["Ada", "admin", "-", "yes"]

    # Refusals: the same e-mail twice, a weak password, an unknown team.
    assert main(["users", "create", "FATIMA@example.org", "--password", PASSWORD]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["users", "create", "x@example.org", "--password", "short"]) == 1
    assert "at least 8 characters" in capsys.readouterr().err
    assert main(["users", "create", "y@example.org", "--team", "Gent", "--password", PASSWORD]) == 1
    assert "no team called Gent" in capsys.readouterr().err

    # Disabling stops the user's tokens at once; enabling lets them log in again.
    settings = Settings()
    with Session(cli_db, expire_on_commit=False) as session:
        issued = user_service.create_device_token(
            session, user=agent, device_name="phone", settings=settings
        )
        session.commit()
    assert main(["users", "disable", "fatima@example.org"]) == 0
    assert "disabled" in capsys.readouterr().out
    assert not _user(cli_db, "fatima@example.org").is_active
    with Session(cli_db, expire_on_commit=False) as session, pytest.raises(NotAuthenticated):
        user_service.authenticate(session, token=issued.token, settings=settings)
    assert main(["users", "list"]) == 0
    assert "fatima@example.org" in capsys.readouterr().out
    assert main(["users", "enable", "fatima@example.org"]) == 0
    assert _user(cli_db, "fatima@example.org").is_active
    assert main(["users", "disable", "nobody@example.org"]) == 1
    assert "no user" in capsys.readouterr().err


def test_users_create_prompts_for_the_password(
    cli_db: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "something else entirely"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    assert main(["users", "create", "prompted@example.org", "--role", "coordinator"]) == 0
    with Session(cli_db, expire_on_commit=False) as session:
        user = session.exec(select(User)).one()
    assert user.role == "coordinator"
    assert main(["users", "create", "typo@example.org"]) == 1
    assert "passwords differ" in capsys.readouterr().err


def test_devices_list_and_revoke(cli_db: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "create", "agent@example.org", "--password", PASSWORD]) == 0
    assert main(["users", "create", "other@example.org", "--password", PASSWORD]) == 0
    settings = Settings()
    with Session(cli_db, expire_on_commit=False) as session:
        agent = session.exec(select(User).where(col(User.email) == "agent@example.org")).one()
        other = session.exec(select(User).where(col(User.email) == "other@example.org")).one()
        phone = user_service.create_device_token(
            session, user=agent, device_name="Galaxy A15", settings=settings
        )
        laptop = user_service.create_device_token(
            session, user=agent, device_name="Office laptop", settings=settings
        )
        user_service.create_device_token(
            session, user=other, device_name="iPhone", settings=settings
        )
        session.commit()
    capsys.readouterr()

    assert main(["devices", "list"]) == 0
    out = capsys.readouterr().out
    assert str(phone.device.id) in out and str(laptop.device.id) in out and "iPhone" in out
    assert main(["devices", "list", "--user", "agent@example.org"]) == 0
    out = capsys.readouterr().out
    assert "Galaxy A15" in out and "iPhone" not in out

    assert main(["devices", "revoke", str(phone.device.id), "--wipe"]) == 0
    assert "revoked" in capsys.readouterr().out
    with Session(cli_db, expire_on_commit=False) as session:
        device = session.get(Device, phone.device.id)
        assert device is not None and device.revoked_at is not None and device.wipe_requested
        with pytest.raises(NotAuthenticated):
            user_service.authenticate(session, token=phone.token, settings=settings)
        # The other device of the same user still works.
        actor = user_service.authenticate(session, token=laptop.token, settings=settings)
        assert actor.device.id == laptop.device.id

    assert main(["devices", "list", "--user", "agent@example.org"]) == 0
    assert str(phone.device.id) not in capsys.readouterr().out
    assert main(["devices", "list", "--all"]) == 0
    assert str(phone.device.id) in capsys.readouterr().out

    assert main(["devices", "revoke", str(uuid.uuid4())]) == 1
    assert main(["devices", "revoke", "not-a-uuid"]) == 1
    assert "not a device id" in capsys.readouterr().err


def test_demo_seeds_once(cli_db: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--leads", "120"]) == 0
    out = capsys.readouterr().out
    assert "120 Lead" in out and "agent@demo.terrain" in out and "terrain-demo" in out
    assert main(["demo"]) == 1
    assert "already has users" in capsys.readouterr().err


def test_migrate_reports_the_revision(cli_db: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--check"]) == 0
    assert "Database is at revision" in capsys.readouterr().out


def test_the_installed_entry_point(tmp_path: Path) -> None:
    """`terrain` as installed by pip: a fresh data dir, migrations, a user, a listing."""
    env = terrain_env(tmp_path, None)

    def terrain(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "terrain"), *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    helped = terrain("--help")
    assert helped.returncode == 0
    for name in ("serve", "migrate", "demo", "users", "devices", "backup", "restore"):
        assert name in helped.stdout
    created = terrain("users", "create", "root@example.org", "--role", "admin", "--password",
                      PASSWORD)  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "terrain.sqlite3").exists()
    listed = terrain("users", "list")
    assert listed.returncode == 0 and "root@example.org" in listed.stdout
    failed = terrain("users", "disable", "ghost@example.org")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
