from __future__ import annotations

from pathlib import Path

from constitution.api.docs import render

ROOT = Path(__file__).resolve().parents[2]


def test_api_reference_is_generated_from_the_openapi_document() -> None:
    written = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert written == render(), "docs/api.md is out of date: run `make api-docs`"
