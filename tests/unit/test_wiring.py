"""The hooks between the parts are registered in one place (``constitution.wiring``), by the
app factory and the command line, never as a side effect of an import."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from constitution import wiring
from constitution.audit import services as audit
from constitution.audit.models import AuditEvent
from constitution.inbox import views as inbox_views
from constitution.live import hub as live_hub
from constitution.sample import load_sample
from constitution.settings import PROJECT_ROOT, Settings
from constitution.texts import services as texts
from constitution.web import render

REGISTRIES = {
    "after revision": texts.AFTER_REVISION,
    "row checks": audit.ROW_CHECKS,
    "state kinds": audit.STATE_KINDS,
    "navigation": render.NAV_ITEMS,
    "template permissions": render.PERMISSIONS,
    "inbox links": inbox_views.LINK_FINDERS,
    "live snapshots": live_hub.SNAPSHOTS,
}


def test_wire_fills_every_registry_and_may_run_again() -> None:
    saved = {name: dict(registry) for name, registry in REGISTRIES.items()}
    try:
        for registry in REGISTRIES.values():
            registry.clear()
        wiring.wire()
        first = {name: set(registry) for name, registry in REGISTRIES.items()}
        wiring.wire()
        assert {name: set(registry) for name, registry in REGISTRIES.items()} == first
    finally:
        for name, registry in REGISTRIES.items():
            registry.clear()
            registry.update(saved[name])
    assert first == {
        "after revision": {"amendments.recheck"},
        "row checks": set(wiring.ROW_CHECKED_ACTIONS),
        "state kinds": set(wiring.STATE_KINDS),
        "navigation": {"unread", "committees", "sittings_open"},
        "template permissions": {"administer", "edit_text", "take_part"},
        "inbox links": {"comments", "amendments", "votes"},
        "live snapshots": {"sitting"},
    }


def test_importing_a_part_registers_nothing() -> None:
    """A fresh interpreter that imports every part but does not wire has empty registries."""
    code = (
        "import constitution.models, constitution.routes, constitution.cli, constitution.app\n"
        "from constitution.audit.services import ROW_CHECKS, STATE_KINDS\n"
        "from constitution.texts.services import AFTER_REVISION\n"
        "from constitution.web.render import NAV_ITEMS, PERMISSIONS\n"
        "from constitution.inbox.views import LINK_FINDERS\n"
        "from constitution.live.hub import SNAPSHOTS\n"
        "print(len(ROW_CHECKS), len(AFTER_REVISION), len(NAV_ITEMS), len(PERMISSIONS),"
        " len(LINK_FINDERS), len(STATE_KINDS), len(SNAPSHOTS))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    )
    assert done.stdout.split() == ["0"] * 7


def test_every_recorded_hash_has_a_row_check(db: Session, settings: Settings) -> None:
    """Every kind of event that records a hash of rows is checked by ``verify``."""
    load_sample(db, settings)
    hashed = {
        event.action
        for event in db.scalars(select(AuditEvent))
        if any("hash" in key for key in event.payload)
    }
    assert hashed, "the sample records no hash: the test would prove nothing"
    assert hashed <= set(wiring.ROW_CHECKED_ACTIONS)
    assert set(wiring.ROW_CHECKED_ACTIONS) <= set(audit.ROW_CHECKS)


@pytest.mark.slow
def test_verify_from_the_command_line_checks_the_rows(tmp_path: Path) -> None:
    """``constitution verify`` in a process of its own checks revision rows: a changed
    provision text is found (the command line wires the row checks itself)."""
    path = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "VAR_DIR": str(tmp_path / "var"),
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "PASSWORD_HASH_TIME_COST": "1",
    }
    env.pop("CONSTITUTION_ENV", None)

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "constitution.cli", *argv]
        return subprocess.run(command, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT)

    assert run("migrate").returncode == 0
    assert run("sample").returncode == 0
    assert run("verify").returncode == 0
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE provision_versions SET text = replace(text, 'Union', 'Junta') "
            "WHERE text LIKE '%Union%'"
        )
    done = run("verify")
    assert done.returncode == 1
    assert "does not match its hash" in done.stderr
