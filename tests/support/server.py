"""A real Terrain server in a subprocess (uvicorn, one worker) that a test can SIGKILL
and start again on the same port and database."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
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
    against `database_url`, one worker.

    The port is chosen once and kept across restarts, so a proxy in front keeps working.
    The server runs in its own session (process group): kill() hits only it.
    """

    def __init__(
        self,
        database_url: str,
        data_dir: Path,
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        entry: str = "uvicorn",
    ) -> None:
        self.database_url = database_url
        self.data_dir = data_dir
        self.port = port or free_port()
        self.extra_env = env or {}
        self.log_path = log_path or data_dir / f"server-{self.port}.log"
        assert entry in ("uvicorn", "terrain")
        self.entry = entry
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def _command(self) -> list[str]:
        where = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"]
        if self.entry == "terrain":
            boot = _BOOT.format(module="api.cli")
            return [sys.executable, "-c", boot, "serve", *where, "--log-level", "warning"]
        boot = _BOOT.format(module="uvicorn.main")
        return [
            sys.executable,
            "-c",
            boot,
            "api.main:create_app",
            "--factory",
            *where,
            "--no-access-log",
            "--log-level",
            "warning",
        ]

    def start(self, timeout: float = 60.0) -> None:
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERRAIN_")}
        env.update(
            {
                "TERRAIN_DATABASE_URL": self.database_url,
                "TERRAIN_DATA_DIR": str(self.data_dir),
                "PYTHONPATH": str(REPO_ROOT),
            }
        )
        env.update(self.extra_env)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self._command(),
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.starts += 1
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
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

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        self.kill()
        self.start()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

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
