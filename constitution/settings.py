"""All configuration, read once from the environment.

Nothing else in the package reads ``os.environ``. Every setting is listed in ``SETTINGS``
with its documentation; a test checks that the README documents each one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """Raised when the environment does not describe a usable configuration."""


# name -> one-line documentation. The README's configuration table must list each name.
SETTINGS: dict[str, str] = {
    "CONSTITUTION_ENV": "`development` (default) or `production`.",
    "DATABASE_URL": "SQLAlchemy URL; default SQLite at `var/constitution.sqlite3`.",
    "SECRET_KEY": "Signing key for cookies, CSRF and invitation tokens; required in production.",
    "VAR_DIR": "Where development keeps its SQLite file and generated secret; default `var/`.",
    "SIGNING_KEY_FILE": "The instance's Ed25519 signing key, created on first use (mode 0600); "
    "default `signing_key` under `VAR_DIR`. Keep it out of the database and its backups.",
    "BASE_URL": "Public address used in invitation links (for example an .onion address).",
    "SESSION_IDLE_MINUTES": "A browser session ends after this long without a request (30).",
    "SESSION_ABSOLUTE_HOURS": "A browser session ends this long after login, used or not (12).",
    "API_TOKEN_DAYS": "An API token stops working this many days after it was issued (30).",
    "INVITATION_DAYS": "An invitation link expires after this many days (7).",
    "LOGIN_MAX_FAILURES": "Failed logins for one username before it is locked for a while (5).",
    "LOGIN_LOCK_MINUTES": "How long a username stays locked after too many failures (15).",
    "DEVICE_TOKEN_DAYS": "A device token (trusted browser or client) lasts this long (90).",
    "PURGE_MINUTES": "Purge expired sessions, tokens and throttle rows this often (15; 0: off).",
    "COSPONSOR_THRESHOLD": "Co-sponsors an amendment needs before it can be submitted (2).",
    "MAX_BODY_BYTES": "Largest request body in bytes (1048576); larger gets 413.",
    "MAX_IMPORT_BYTES": "Largest body for document creation or import (16777216).",
    "DIFF_BUDGET_MS": "Milliseconds all the diffs of one request may take together (500); "
    "past it, diffs are simplified (by sentence). 0 always simplifies.",
    "AMENDMENT_MAX_CHARS": "Most characters an amendment's texts may hold, all changes and "
    "languages together (200000).",
    "PROXY_LIMIT": "Most proxies one member may hold in a sitting (1); 0 allows none.",
    "VOTE_GROUP_MAX": "Most API votes one worker commits together in one transaction (256); "
    "0 commits each vote on its own, as every other request.",
    "PAGE_CACHE_MB": "Memory each worker may keep reading pages in (32); 0 turns it off.",
    "PAGE_CACHE_SECONDS": "A kept page is built again after this long at the latest (60).",
    "THREADS": "Worker threads per process for blocking work (4).",
    "PASSWORD_HASH_MEMORY_KIB": "argon2id memory in KiB (65536; at least 19456 in production).",
    "PASSWORD_HASH_TIME_COST": "argon2id iterations (3).",
    "LIVE_HEARTBEAT_SECONDS": "A live event stream sends a comment when it was silent this "
    "long (15).",
    "LIVE_COALESCE_MS": "A live channel's events are recomputed at most this often, however "
    "many changes arrive (200).",
    "LIVE_STREAMS_PER_CREDENTIAL": "Live event streams one token or session may hold open "
    "per worker (4); another one ends her oldest.",
    "LIVE_MAX_STREAMS": "Live event streams a worker holds open (1000); beyond, 503.",
    "LIVE_STREAM_SECONDS": "A live event stream ends after about this long and the client "
    "reconnects, authenticated again (300).",
    "LIVE_RESYNC_SECONDS": "A live channel with open streams is also recomputed this often "
    "without any signal (30; 0: never).",
}


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    production: bool = False
    var_dir: Path = PROJECT_ROOT / "var"
    base_url: str | None = None
    signing_key_file: Path | None = None
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    api_token_days: int = 30
    invitation_days: int = 7
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    device_token_days: int = 90
    purge_minutes: int = 15
    cosponsor_threshold: int = 2
    proxy_limit: int = 1
    max_body_bytes: int = 1024 * 1024
    max_import_bytes: int = 16 * 1024 * 1024
    diff_budget_ms: int = 500
    amendment_max_chars: int = 200_000
    threads: int = 4
    vote_group_max: int = 256
    page_cache_mb: int = 32
    page_cache_seconds: int = 60
    password_hash_memory_kib: int = 65536
    password_hash_time_cost: int = 3
    live_heartbeat_seconds: int = 15
    live_coalesce_ms: int = 200
    live_streams_per_credential: int = 4
    live_max_streams: int = 1000
    live_stream_seconds: int = 300
    live_resync_seconds: int = 30

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return value


def _development_secret(var_dir: Path) -> str:
    """Generate the development secret once and keep it under var/."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def load(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    mode = env.get("CONSTITUTION_ENV", "development")
    if mode not in ("development", "production"):
        raise SettingsError("CONSTITUTION_ENV must be 'development' or 'production'")
    production = mode == "production"
    var_dir = Path(env.get("VAR_DIR") or PROJECT_ROOT / "var")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'constitution.sqlite3'}"
    secret_key = env.get("SECRET_KEY", "")
    if production:
        if len(secret_key) < 32:
            raise SettingsError("SECRET_KEY of at least 32 characters is required in production")
    elif not secret_key:
        secret_key = _development_secret(var_dir)
    memory = _int(env, "PASSWORD_HASH_MEMORY_KIB", 65536, minimum=8)
    if production and memory < 19456:
        raise SettingsError("PASSWORD_HASH_MEMORY_KIB must be at least 19456 in production")
    return Settings(
        database_url=database_url,
        secret_key=secret_key,
        production=production,
        var_dir=var_dir,
        base_url=(env.get("BASE_URL") or None),
        signing_key_file=Path(env["SIGNING_KEY_FILE"]) if env.get("SIGNING_KEY_FILE") else None,
        session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_int(env, "SESSION_ABSOLUTE_HOURS", 12),
        api_token_days=_int(env, "API_TOKEN_DAYS", 30),
        invitation_days=_int(env, "INVITATION_DAYS", 7),
        login_max_failures=_int(env, "LOGIN_MAX_FAILURES", 5),
        login_lock_minutes=_int(env, "LOGIN_LOCK_MINUTES", 15),
        device_token_days=_int(env, "DEVICE_TOKEN_DAYS", 90),
        purge_minutes=_int(env, "PURGE_MINUTES", 15, minimum=0),
        cosponsor_threshold=_int(env, "COSPONSOR_THRESHOLD", 2, minimum=0),
        proxy_limit=_int(env, "PROXY_LIMIT", 1, minimum=0),
        max_body_bytes=_int(env, "MAX_BODY_BYTES", 1024 * 1024),
        max_import_bytes=_int(env, "MAX_IMPORT_BYTES", 16 * 1024 * 1024),
        diff_budget_ms=_int(env, "DIFF_BUDGET_MS", 500, minimum=0),
        amendment_max_chars=_int(env, "AMENDMENT_MAX_CHARS", 200_000),
        threads=_int(env, "THREADS", 4),
        vote_group_max=_int(env, "VOTE_GROUP_MAX", 256, minimum=0),
        page_cache_mb=_int(env, "PAGE_CACHE_MB", 32, minimum=0),
        page_cache_seconds=_int(env, "PAGE_CACHE_SECONDS", 60),
        password_hash_memory_kib=memory,
        password_hash_time_cost=_int(env, "PASSWORD_HASH_TIME_COST", 3),
        live_heartbeat_seconds=_int(env, "LIVE_HEARTBEAT_SECONDS", 15),
        live_coalesce_ms=_int(env, "LIVE_COALESCE_MS", 200, minimum=0),
        live_streams_per_credential=_int(env, "LIVE_STREAMS_PER_CREDENTIAL", 4),
        live_max_streams=_int(env, "LIVE_MAX_STREAMS", 1000),
        live_stream_seconds=_int(env, "LIVE_STREAM_SECONDS", 300),
        live_resync_seconds=_int(env, "LIVE_RESYNC_SECONDS", 30, minimum=0),
    )
