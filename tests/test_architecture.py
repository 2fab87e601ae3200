"""The layering of house-style.md, checked on every run: import-linter's contracts, plus
two rules it cannot express (services never speak HTTP; routers are reached only through
api.routers)."""

from __future__ import annotations

import ast
import subprocess
import tomllib
from pathlib import Path

from tests.scratch import BIN, REPO_ROOT

API = REPO_ROOT / "api"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_import_linter_contracts_pass() -> None:
    done = subprocess.run(
        [str(BIN / "lint-imports")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "KEPT" in done.stdout and " 0 broken" in done.stdout


def test_sync_and_i18n_contract_is_in_place() -> None:
    """The contract itself cannot be weakened without this test noticing."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    forbidden = [c for c in config["contracts"] if c["type"] == "forbidden"]
    covered = {
        (source, target)
        for c in forbidden
        for source in c["source_modules"]
        for target in c["forbidden_modules"]
    }
    for source in ("sync", "i18n"):
        for target in ("api", "fastapi", "starlette"):
            assert (source, target) in covered


def test_domain_services_independence_contract_is_in_place() -> None:
    """Every `api.<domain>.service` is held independent of the others, with no exception
    listed: a shared rule moves to a public module of the folder that owns it instead."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [contract] = [c for c in config["contracts"] if c["type"] == "independence"]
    assert contract["modules"] == ["api.*.service"]
    assert not contract.get("ignore_imports")
    assert len(sorted(API.glob("*/service.py"))) >= 15  # the wildcard names them all


def test_services_never_import_the_web_framework() -> None:
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in sorted(API.rglob("service.py"))
        if any(name.split(".")[0] in ("fastapi", "starlette") for name in _imports(path))
    ]
    assert offenders == []


def test_routers_are_only_imported_by_api_routers() -> None:
    """Another domain is reached through its service, never its router."""
    offenders = []
    for path in sorted(API.rglob("*.py")):
        if path == API / "routers.py":
            continue
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "api" and any(p.endswith("router") for p in parts[1:]):
                offenders.append(f"{path.relative_to(REPO_ROOT)} imports {name}")
    assert offenders == []
