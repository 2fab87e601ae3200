"""A real Terrain server in a subprocess that a test can SIGKILL and start again on the same
port and database: bare uvicorn over the app factory, or `terrain serve` (which migrates,
seeds with --demo, runs the background jobs) as a fresh install runs it. The one helper for
every test and bench that needs the server as its own process."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
# uvicorn's or `terrain`'s command line, plus: SIGUSR1 writes every thread's stack to the
# log (a hung server can be asked where it hangs).
_BOOT = (
    "import faulthandler, signal, sys; "
    "faulthandler.register(signal.SIGUSR1, all_threads=True); "
    "from {module} import main; sys.exit(main())"
)


# Loaded before any fork: the child only makes one system call before exec.
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _die_with_parent() -> None:
    """Linux: the server gets SIGKILL when the test process dies, however it dies."""
    _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """`uvicorn api.main:create_app --factory` (or `terrain serve`, which migrates first)
    against `database_url` (None: the data directory's own SQLite file), one worker.

    The port is chosen once and kept across restarts, so a proxy in front keeps working.
    The server runs in its own session (process group): kill() hits only it.
    """

    def __init__(
        self,
        database_url: str | None,
        data_dir: Path,
        *,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        entry: str = "uvicorn",
        args: Sequence[str] | None = None,
        root: Path | None = None,
    ) -> None:
        self.database_url = database_url
        # The source tree the server runs (imports and working directory): this one, or a
        # checkout of another commit that a bench compares against (same dependencies).
        self.root = root or REPO_ROOT
        self.data_dir = data_dir
        self.port = port or free_port()
        self.extra_env = dict(env or {})
        self.log_path = log_path or data_dir / f"server-{self.port}.log"
        assert entry in ("uvicorn", "terrain")
        self.entry = entry
        # `terrain serve` options after host and port; quiet by default, as the tests of
        # the engine want, while a quick-start test passes `--demo` and reads the log.
        quiet = ("--workers", "1", "--log-level", "warning")
        self.args = tuple(args) if args is not None else (quiet if entry == "terrain" else ())
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @classmethod
    def terrain(cls, env: Mapping[str, str], log_path: Path, *args: str) -> ServerProcess:
        """`terrain serve [args]` with the settings of a fresh install (`terrain_env`):
        the database and data directory are read from `env`, every other TERRAIN_*
        setting in it is passed on."""
        settings = {k: v for k, v in env.items() if k.startswith("TERRAIN_")}
        database_url = settings.pop("TERRAIN_DATABASE_URL", None)
        data_dir = Path(settings.pop("TERRAIN_DATA_DIR"))
        return cls(
            database_url, data_dir, env=settings, log_path=log_path, entry="terrain", args=args
        )

    def _command(self) -> list[str]:
        where = ["--host", "127.0.0.1", "--port", str(self.port)]
        if self.entry == "terrain":
            boot = _BOOT.format(module="api.cli")
            return [sys.executable, "-c", boot, "serve", *where, *self.args]
        boot = _BOOT.format(module="uvicorn.main")
        return [
            sys.executable,
            "-c",
            boot,
            "api.main:create_app",
            "--factory",
            *where,
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
        ]

    def start(self, timeout: float = 60.0, *, wait: bool = True) -> ServerProcess:
        """Start the process; with wait=False return at once (several servers started
        together, then `wait_ready` on each)."""
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERRAIN_")}
        env["TERRAIN_DATA_DIR"] = str(self.data_dir)
        env["PYTHONPATH"] = str(self.root)
        if self.database_url is not None:
            env["TERRAIN_DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self._command(),
                cwd=self.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.starts += 1
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"server did not become ready:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, as when the machine pulls the plug."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def dump_stacks(self) -> str:
        """Ask a running server for its threads' stacks; returns the log's tail."""
        if self.alive:
            os.kill(self.pid, signal.SIGUSR1)
            time.sleep(0.5)
        return self.log_tail(200)

    def stop(self) -> int | None:
        """SIGTERM (a graceful shutdown), SIGKILL after 15 s; the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def restart(self) -> None:
        self.kill()
        self.start()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
