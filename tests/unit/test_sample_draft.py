"""The bilingual sample draft loaded on first run: shape, keys and Unicode hygiene."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from constitution.myanmar import is_zawgyi

DRAFT = Path(__file__).resolve().parents[2] / "constitution" / "sample_data" / "draft.json"
KINDS = {"part", "chapter", "article", "section", "clause", "subclause"}
KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def load() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DRAFT.read_text(encoding="utf-8"))
    return doc


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)


def test_document_header() -> None:
    doc = load()
    assert doc["slug"] == "federal-constitution-draft"
    assert doc["languages"] == ["my", "en"]
    assert doc["authoritative"] == "my"
    assert doc["title"]["my"].strip() and doc["title"]["en"].strip()


def test_provisions_are_well_formed_and_in_reading_order() -> None:
    provisions = load()["provisions"]
    assert 35 <= len(provisions) <= 50
    seen: set[str] = set()
    for p in provisions:
        assert set(p) == {"key", "label", "labels", "kind", "parent", "text"}, p
        assert set(p["labels"]) == {"my", "en"} and p["labels"]["en"] == p["label"], p
        assert not re.search(r"[0-9]", p["labels"]["my"]), p  # Myanmar digits in Burmese
        assert KEY.match(p["key"]), p["key"]
        assert p["key"] not in seen, f"duplicate key {p['key']}"
        assert p["kind"] in KINDS, p
        assert p["parent"] is None or p["parent"] in seen, f"{p['key']}: parent not earlier"
        assert p["label"].strip(), p["key"]
        assert p["text"]["my"].strip() and p["text"]["en"].strip(), p["key"]
        seen.add(p["key"])
    assert {"part-2", "part-3"} <= seen, "committees in the sample cover part-2 and part-3"


def test_every_string_is_nfc() -> None:
    for s in strings(load()):
        assert unicodedata.is_normalized("NFC", s), s


def test_burmese_is_unicode_not_zawgyi() -> None:
    doc = load()
    texts = [doc["title"]["my"]] + [p["text"]["my"] for p in doc["provisions"]]
    for text in texts:
        assert not is_zawgyi(text), text
