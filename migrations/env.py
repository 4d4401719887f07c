"""Alembic environment: the URL comes from the settings module (DATABASE_URL)."""

from __future__ import annotations

from alembic import context

from constitution import settings as settings_module
from constitution.db import make_engine
from constitution.models import metadata

config = context.config


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Indexes that exist on one engine only (pg_trgm) are managed by hand in migrations."""
    return not (type_ == "index" and name is not None and name.endswith("_trgm"))


OPTIONS = {"target_metadata": metadata, "render_as_batch": True, "include_object": include_object}


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.attributes.get("url") or settings_module.load().database_url
    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:
        context.configure(connection=conn, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `constitution migrate`")
run_migrations()
