"""The web layer: request handling, templates, static files."""
