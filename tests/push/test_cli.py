"""`terrain vapid init | show | rotate`: the key pair made once, owner-only, never printed."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.cli import main
from api.db import make_engine
from api.push.keys import b64url, pem_of, public_key_of
from api.push.models import PushSubscription
from api.users.models import Device, Organisation, User
from sync.sqltypes import utcnow
from tests.scratch import scratch_database


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Engine]]:
    with scratch_database("sqlite", tmp_path) as url:
        monkeypatch.setenv("TERRAIN_DATABASE_URL", url)
        monkeypatch.setenv("TERRAIN_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.delenv("TERRAIN_VAPID_PRIVATE_KEY", raising=False)
        monkeypatch.delenv("TERRAIN_PUSH_KEYS_PATH", raising=False)
        engine = make_engine(url)
        yield tmp_path / "data", engine
        engine.dispose()


def _subscribe_someone(engine: Engine) -> None:
    with Session(engine) as session:
        org = Organisation(name="o")
        session.add(org)
        session.flush()
        user = User(
            organisation_id=org.id, email="a@b.c", name="a", role="agent", password_hash="-"
        )
        session.add(user)
        session.flush()
        device = Device(user_id=user.id, name="p", token_hash="x" * 64, expires_at=utcnow())
        session.add(device)
        session.flush()
        session.add(
            PushSubscription(
                user_id=user.id,
                device_id=device.id,
                endpoint="https://fcm.googleapis.com/fcm/send/x",
                p256dh="p",
                auth="a",
            )
        )
        session.commit()


def _subscriptions(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(PushSubscription)).scalar_one())


def test_init_once_show_rotate(
    data_dir: tuple[Path, Engine], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, engine = data_dir
    assert main(["vapid", "show"]) == 1
    assert "terrain vapid init" in capsys.readouterr().err

    assert main(["vapid", "init"]) == 0
    first = capsys.readouterr().out
    key_file = folder / "vapid_private_key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    public = first.strip().splitlines()[-1]
    assert len(public) == 87 and "PRIVATE" not in first
    pem = key_file.read_text()
    body = "".join(pem.strip().splitlines()[1:-1])
    assert body not in first

    assert main(["vapid", "init"]) == 0  # once: a second run keeps the key
    assert capsys.readouterr().out.strip().splitlines()[-1] == public
    assert key_file.read_text() == pem
    assert main(["vapid", "show"]) == 0
    assert capsys.readouterr().out.strip() == public

    _subscribe_someone(engine)
    assert main(["vapid", "rotate"]) == 0
    rotated = capsys.readouterr().out
    assert "1 subscription(s) deleted" in rotated
    assert rotated.strip().splitlines()[-1] != public
    assert _subscriptions(engine) == 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text() not in rotated


def test_a_key_from_the_setting(
    data_dir: tuple[Path, Engine],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, _ = data_dir
    key = ec.generate_private_key(ec.SECP256R1())
    raw = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    monkeypatch.setenv("TERRAIN_VAPID_PRIVATE_KEY", raw)
    assert main(["vapid", "init"]) == 0
    out = capsys.readouterr().out
    assert public_key_of(key) in out and raw not in out
    assert not (folder / "vapid_private_key.pem").exists()
    assert main(["vapid", "rotate"]) == 1  # the operator replaces the setting
    monkeypatch.setenv("TERRAIN_VAPID_PRIVATE_KEY", pem_of(key).decode())
    assert main(["vapid", "show"]) == 0
    assert capsys.readouterr().out.strip() == public_key_of(key)
    monkeypatch.setenv("TERRAIN_VAPID_PRIVATE_KEY", "not a key")
    assert main(["vapid", "show"]) == 1
    assert "not a P-256 key" in capsys.readouterr().err


def test_a_key_from_a_secret_file(
    data_dir: tuple[Path, Engine],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """TERRAIN_PUSH_KEYS_PATH: a mounted secret, read as it is and never rewritten."""
    folder, _ = data_dir
    key = ec.generate_private_key(ec.SECP256R1())
    secret = tmp_path / "secrets" / "vapid.pem"
    secret.parent.mkdir()
    secret.write_bytes(pem_of(key))
    monkeypatch.setenv("TERRAIN_PUSH_KEYS_PATH", str(secret))
    assert main(["vapid", "init"]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == public_key_of(key)
    assert str(secret) in out and "Wrote a new" not in out
    assert secret.read_bytes() == pem_of(key)
    assert not (folder / "vapid_private_key.pem").exists()
    assert main(["vapid", "show"]) == 0
    assert capsys.readouterr().out.strip() == public_key_of(key)
