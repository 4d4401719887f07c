"""The ASGI entry point for uvicorn: ``constitution.asgi:app``."""

from constitution.app import create_app

app = create_app()
