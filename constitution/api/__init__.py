"""The JSON API v1 (see shared API.md); the same services as the web pages."""
