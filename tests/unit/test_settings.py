"""Settings come from the environment once, with safe defaults and strict production rules."""

from __future__ import annotations

import dataclasses
import re
import stat
from pathlib import Path

import pytest

from constitution.cli import COMMANDS
from constitution.settings import PROJECT_ROOT, SETTINGS, Settings, SettingsError, load

STRONG_SECRET = "p" * 32
# Environment variable -> the Settings field it sets, for the whole numbers.
INTEGERS = {
    "SESSION_IDLE_MINUTES": "session_idle_minutes",
    "SESSION_ABSOLUTE_HOURS": "session_absolute_hours",
    "API_TOKEN_DAYS": "api_token_days",
    "INVITATION_DAYS": "invitation_days",
    "LOGIN_MAX_FAILURES": "login_max_failures",
    "LOGIN_LOCK_MINUTES": "login_lock_minutes",
    "DEVICE_TOKEN_DAYS": "device_token_days",
    "PURGE_MINUTES": "purge_minutes",
    "COSPONSOR_THRESHOLD": "cosponsor_threshold",
    "PROXY_LIMIT": "proxy_limit",
    "MAX_BODY_BYTES": "max_body_bytes",
    "MAX_IMPORT_BYTES": "max_import_bytes",
    "THREADS": "threads",
    "VOTE_GROUP_MAX": "vote_group_max",
    "PAGE_CACHE_MB": "page_cache_mb",
    "PAGE_CACHE_SECONDS": "page_cache_seconds",
    "DIFF_BUDGET_MS": "diff_budget_ms",
    "AMENDMENT_MAX_CHARS": "amendment_max_chars",
    "PASSWORD_HASH_MEMORY_KIB": "password_hash_memory_kib",
    "PASSWORD_HASH_TIME_COST": "password_hash_time_cost",
    "LIVE_HEARTBEAT_SECONDS": "live_heartbeat_seconds",
    "LIVE_COALESCE_MS": "live_coalesce_ms",
    "LIVE_STREAMS_PER_CREDENTIAL": "live_streams_per_credential",
    "LIVE_MAX_STREAMS": "live_max_streams",
    "LIVE_STREAM_SECONDS": "live_stream_seconds",
    "LIVE_RESYNC_SECONDS": "live_resync_seconds",
}


def production(tmp_path: Path, **env: str) -> dict[str, str]:
    return {"CONSTITUTION_ENV": "production", "VAR_DIR": str(tmp_path), **env}


def test_defaults(tmp_path: Path) -> None:
    settings = load({"VAR_DIR": str(tmp_path)})
    assert settings.production is False
    assert settings.var_dir == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'constitution.sqlite3'}"
    assert settings.is_sqlite
    assert settings.base_url is None
    defaults = {
        "session_idle_minutes": 30,
        "session_absolute_hours": 12,
        "api_token_days": 30,
        "invitation_days": 7,
        "login_max_failures": 5,
        "login_lock_minutes": 15,
        "cosponsor_threshold": 2,
        "max_body_bytes": 1024 * 1024,
        "max_import_bytes": 16 * 1024 * 1024,
        "threads": 4,
        "vote_group_max": 256,
        "page_cache_mb": 32,
        "page_cache_seconds": 60,
        "diff_budget_ms": 500,
        "amendment_max_chars": 200_000,
        "password_hash_memory_kib": 65536,
        "password_hash_time_cost": 3,
        "live_heartbeat_seconds": 15,
        "live_coalesce_ms": 200,
        "live_streams_per_credential": 4,
        "live_max_streams": 1000,
        "live_stream_seconds": 300,
        "live_resync_seconds": 30,
    }
    assert {name: getattr(settings, name) for name in defaults} == defaults


def test_without_var_dir_the_default_is_var_in_the_project(tmp_path: Path) -> None:
    settings = load({"SECRET_KEY": STRONG_SECRET})
    assert settings.var_dir == PROJECT_ROOT / "var"
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'constitution.sqlite3'}"


def test_every_documented_variable_is_read(tmp_path: Path) -> None:
    env = {
        "CONSTITUTION_ENV": "production",
        "DATABASE_URL": "postgresql://db.example/constitution",
        "SECRET_KEY": STRONG_SECRET,
        "VAR_DIR": str(tmp_path),
        "BASE_URL": "http://example.onion",
        "SIGNING_KEY_FILE": str(tmp_path / "keys" / "instance"),
        **{name: "20000" for name in INTEGERS},
    }
    assert set(env) == set(SETTINGS), "a documented setting is missing from this test"
    settings = load(env)
    assert settings.production is True
    assert settings.database_url == "postgresql://db.example/constitution"
    assert not settings.is_sqlite
    assert settings.secret_key == STRONG_SECRET
    assert settings.var_dir == tmp_path
    assert settings.base_url == "http://example.onion"
    assert settings.signing_key_file == tmp_path / "keys" / "instance"
    for field in INTEGERS.values():
        assert getattr(settings, field) == 20000, field


def test_every_settings_field_is_documented() -> None:
    fields = {f.name for f in dataclasses.fields(Settings)}
    documented = {INTEGERS.get(name, name.lower()) for name in SETTINGS}
    documented = {"production" if n == "constitution_env" else n for n in documented}
    assert fields == documented


@pytest.mark.parametrize("name", sorted(INTEGERS))
@pytest.mark.parametrize("raw", ["ten", "1.5", "0x10", "-"])
def test_a_bad_integer_names_its_variable(tmp_path: Path, name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load({"VAR_DIR": str(tmp_path), name: raw})


@pytest.mark.parametrize(
    "name",
    sorted(
        set(INTEGERS)
        - {
            "COSPONSOR_THRESHOLD",
            "DIFF_BUDGET_MS",
            "PURGE_MINUTES",
            "PROXY_LIMIT",
            "LIVE_COALESCE_MS",
            "LIVE_RESYNC_SECONDS",
            "VOTE_GROUP_MAX",
            "PAGE_CACHE_MB",
        }
    ),
)
def test_an_integer_below_its_minimum_names_its_variable(tmp_path: Path, name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load({"VAR_DIR": str(tmp_path), name: "0"})


def test_purging_may_be_turned_off(tmp_path: Path) -> None:
    assert load({"VAR_DIR": str(tmp_path), "PURGE_MINUTES": "0"}).purge_minutes == 0
    with pytest.raises(SettingsError, match="PURGE_MINUTES"):
        load({"VAR_DIR": str(tmp_path), "PURGE_MINUTES": "-1"})


def test_no_co_sponsors_may_be_required(tmp_path: Path) -> None:
    assert load({"VAR_DIR": str(tmp_path), "COSPONSOR_THRESHOLD": "0"}).cosponsor_threshold == 0
    with pytest.raises(SettingsError, match="COSPONSOR_THRESHOLD"):
        load({"VAR_DIR": str(tmp_path), "COSPONSOR_THRESHOLD": "-1"})


def test_empty_values_mean_the_default(tmp_path: Path) -> None:
    settings = load({"VAR_DIR": str(tmp_path), "THREADS": "", "BASE_URL": "", "DATABASE_URL": ""})
    assert settings.threads == 4
    assert settings.base_url is None
    assert settings.is_sqlite


def test_unknown_environment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="CONSTITUTION_ENV"):
        load({"VAR_DIR": str(tmp_path), "CONSTITUTION_ENV": "staging"})


# ---- production -------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", "s" * 31])
def test_production_requires_a_secret_key_of_32_characters(
    tmp_path: Path, secret: str | None
) -> None:
    env = production(tmp_path)
    if secret is not None:
        env["SECRET_KEY"] = secret
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load(env)
    assert not (tmp_path / "secret_key").exists(), "production must not invent a secret"


def test_production_accepts_a_secret_key_of_32_characters(tmp_path: Path) -> None:
    settings = load(production(tmp_path, SECRET_KEY=STRONG_SECRET))
    assert settings.production
    assert settings.secret_key == STRONG_SECRET


@pytest.mark.parametrize("memory", ["8", "1024", "19455"])
def test_production_refuses_weak_argon2_memory(tmp_path: Path, memory: str) -> None:
    env = production(tmp_path, SECRET_KEY=STRONG_SECRET, PASSWORD_HASH_MEMORY_KIB=memory)
    with pytest.raises(SettingsError, match="PASSWORD_HASH_MEMORY_KIB"):
        load(env)


def test_production_accepts_the_argon2_memory_floor(tmp_path: Path) -> None:
    env = production(tmp_path, SECRET_KEY=STRONG_SECRET, PASSWORD_HASH_MEMORY_KIB="19456")
    assert load(env).password_hash_memory_kib == 19456


def test_development_allows_cheap_argon2_for_tests(tmp_path: Path) -> None:
    assert load({"VAR_DIR": str(tmp_path), "PASSWORD_HASH_MEMORY_KIB": "8"}).production is False


# ---- the development secret -------------------------------------------------------------


def test_development_secret_is_generated_once_and_reused(tmp_path: Path) -> None:
    var = tmp_path / "var"
    first = load({"VAR_DIR": str(var)}).secret_key
    path = var / "secret_key"
    assert path.is_file()
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="ascii").strip() == first
    assert load({"VAR_DIR": str(var)}).secret_key == first
    other = load({"VAR_DIR": str(tmp_path / "elsewhere")}).secret_key
    assert other != first


def test_a_given_secret_key_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    settings = load({"VAR_DIR": str(tmp_path), "SECRET_KEY": "given"})
    assert settings.secret_key == "given"
    assert not (tmp_path / "secret_key").exists()


# ---- docs that can't drift --------------------------------------------------------------


def readme() -> str:
    path = PROJECT_ROOT / "README.md"
    assert path.is_file(), "README.md is missing at the repository root"
    return path.read_text(encoding="utf-8")


def test_readme_documents_every_setting() -> None:
    """Each name has a row of its own in the README's configuration table."""
    text = readme()
    missing = [name for name in SETTINGS if not re.search(rf"^\|\s*`{name}`\s*\|", text, re.M)]
    assert missing == [], f"README.md's configuration table lacks {missing}"


def test_readme_documents_every_command() -> None:
    """Each command appears as it is typed: `constitution NAME ...`."""
    text = readme()
    missing = [
        command
        for command in COMMANDS
        if not re.search(rf"`constitution {re.escape(command)}[\s`]", text)
    ]
    assert missing == [], f"README.md does not document the commands {missing}"


def test_a_diff_budget_of_zero_is_allowed(tmp_path: Path) -> None:
    assert load({"VAR_DIR": str(tmp_path), "DIFF_BUDGET_MS": "0"}).diff_budget_ms == 0
    with pytest.raises(SettingsError, match="DIFF_BUDGET_MS"):
        load({"VAR_DIR": str(tmp_path), "DIFF_BUDGET_MS": "-1"})
