"""Export and import: JSON (the API's shape) and Markdown both give back the same document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.errors import Invalid
from constitution.texts import services
from constitution.texts.formats import (
    document_json,
    from_markdown,
    markdown_error_line,
    to_markdown,
)
from constitution.texts.models import Document
from constitution.texts.validation import DocumentInput, Notices, clean_document
from tests.factories import edit_document, make_document, provision, sample_body, small_body

TRICKY = [
    # Paragraphs, and lines that look like the format's own markup.
    provision(
        "art-5",
        "Article 5",
        "article",
        "part-2",
        "ပထမ စာပိုဒ်။\n\nဒုတိယ စာပိုဒ်။\n### ခေါင်းစဉ် မဟုတ်ပါ\n[en]\n\\ နောက်ပြန်မျဉ်း",
        "First paragraph.\n\n[my]\n### not a heading\n\\backslash\n  indented | piped",
    ),
    provision("art-5-a", "(က)", "clause", "art-5", "ပုဒ်မခွဲ (က)", ""),
]


def exported(db: Session, document: Document, rev: int | None = None) -> dict[str, Any]:
    rows = services.versions_at(db, document, rev or document.current_rev)
    return document_json(document, rows)


def markdown(db: Session, document: Document, rev: int | None = None) -> str:
    rows = services.versions_at(db, document, rev or document.current_rev)
    return to_markdown(document, rows)


def cleaned(body: dict[str, Any]) -> DocumentInput:
    return clean_document(body, Notices())


@pytest.fixture
def edited(db: Session, editor: Member) -> Document:
    """A document with tricky text, edited after import."""
    body = small_body("edited-draft")
    body["provisions"] += TRICKY
    document = make_document(db, body)
    edit_document(
        db,
        editor,
        document,
        {"op": "replace", "key": "art-1", "text": {"my": "ပြင်ဆင်ထားသော စာသား"}},
        {"op": "move", "key": "art-3", "parent": "part-1", "after": "art-1"},
        {"op": "delete", "key": "art-1-b"},
    )
    return document


def test_json_export_has_the_api_shape(db: Session, document: Document) -> None:
    body = exported(db, document)
    assert body == small_body()  # the very body it was imported from
    assert list(body) == ["slug", "title", "languages", "authoritative", "provisions"]


def test_json_export_then_import_gives_the_same_content(db: Session, edited: Document) -> None:
    body = exported(db, edited)
    # Through a file: written and read back as JSON text.
    body = json.loads(json.dumps(body, ensure_ascii=False, indent=1))
    body["slug"] = "copy"
    copy = make_document(db, body)
    again = exported(db, copy)
    assert again == body
    assert again["provisions"] == exported(db, edited)["provisions"]
    assert [p["key"] for p in again["provisions"]][:4] == ["part-1", "art-1", "art-1-a", "art-3"]


def test_json_export_of_an_earlier_revision(db: Session, edited: Document) -> None:
    body = exported(db, edited, 1)
    expected = small_body("edited-draft")
    expected["provisions"] += TRICKY
    assert body == cleaned_json(expected)


def cleaned_json(body: dict[str, Any]) -> dict[str, Any]:
    """The body as stored: every language present, empty when not given."""
    for item in body["provisions"]:
        item["text"] = {lang: item["text"].get(lang, "") for lang in body["languages"]}
    return body


def test_markdown_export_then_import_gives_the_same_document(db: Session, edited: Document) -> None:
    source = markdown(db, edited)
    assert source.startswith("+++\n")
    assert "### art-3 | article | Article 3 | parent: part-1\n" in source
    assert cleaned(from_markdown(source)) == cleaned(exported(db, edited))


def test_markdown_round_trip_of_the_sample_draft(db: Session) -> None:
    body = sample_body()
    assert body is not None, "constitution/sample_data/draft.json is missing"
    document = make_document(db, body)
    source = markdown(db, document)
    assert cleaned(from_markdown(source)) == cleaned(body)
    json_body = exported(db, document)
    assert cleaned(json_body) == cleaned(body)


def test_markdown_import_accepts_windows_line_ends(db: Session, document: Document) -> None:
    source = markdown(db, document).replace("\n", "\r\n")
    assert cleaned(from_markdown(source)) == cleaned(exported(db, document))


# ---- Markdown errors name the line ------------------------------------------------------

HEADER = (
    '+++\nslug = "md"\nlanguages = ["my", "en"]\nauthoritative = "my"\n[title]\nmy = "က"\n+++\n'
)


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("no header\n", 1),
        ("+++\nslug = 'md'\n", 1),
        # TOML errors inside the header: on a line, and at its end.
        ('+++\nslug = "md"\nlanguages = ["my" "en"]\nauthoritative = "my"\n+++\n', 3),
        ('+++\nslug = "md"\nlanguages = [\n+++\n', 3),
        ("+++\nslug = md\n+++\n", 2),
        (HEADER + "\n### art-1 article Article 1\n[my]\nက\n", 9),
        (HEADER + "stray text\n", 8),
        (HEADER + "\n### art-1 | article | Article 1\nက\n", 10),
    ],
)
def test_markdown_errors_name_the_line(source: str, line: int) -> None:
    with pytest.raises(Invalid) as error:
        from_markdown(source)
    assert error.value.code == "invalid_markdown"
    assert error.value.field == f"line {line}"


def test_a_provision_error_in_markdown_names_its_heading_line() -> None:
    source = (
        HEADER
        + "\n### art-1 | article | Article 1\n[my]\nက\n[en]\nA\n"
        + "\n### art-2 | article | Article 2 | parent: nowhere\n[my]\nခ\n"
    )
    body = from_markdown(source)
    with pytest.raises(Invalid) as error:
        clean_document(body, Notices())
    assert error.value.field == "provisions[1].parent"
    located = markdown_error_line(body, error.value)
    assert located.field == "line 15: provisions[1].parent"
    assert located.message == error.value.message


def test_markdown_with_an_empty_authoritative_text_names_the_line() -> None:
    source = HEADER + "\n### art-1 | article | Article 1\n[my]\n\n[en]\nOnly English\n"
    body = from_markdown(source)
    with pytest.raises(Invalid) as error:
        clean_document(body, Notices())
    assert markdown_error_line(body, error.value).field == "line 9: provisions[0].text.my"


# ---- the command line -------------------------------------------------------------------


def test_cli_import_and_export_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from constitution.cli import main, migrate
    from constitution.settings import Settings

    database = tmp_path / "cli.sqlite3"
    url = f"sqlite:///{database}"
    migrate(Settings(database_url=url, secret_key="x" * 40, var_dir=tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    body = small_body("cli-draft")
    body["provisions"] += TRICKY
    source = tmp_path / "draft.json"
    source.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    assert main(["import", str(source)]) == 0
    assert "imported cli-draft: 9 provisions, revision 1" in capsys.readouterr().out

    out_json = tmp_path / "out.json"
    assert main(["export", "cli-draft", "--format", "json", "--output", str(out_json)]) == 0
    assert json.loads(out_json.read_text(encoding="utf-8")) == cleaned_json(body)

    out_md = tmp_path / "out.md"
    assert (
        main(["export", "cli-draft", "--format", "markdown", "--rev", "1", "--output", str(out_md)])
        == 0
    )
    text = out_md.read_text(encoding="utf-8")
    assert cleaned(from_markdown(text)) == cleaned(body)
    # The Markdown imports back (under another slug) to the same content.
    copy = tmp_path / "copy.md"
    copy.write_text(text.replace('slug = "cli-draft"', 'slug = "cli-copy"'), encoding="utf-8")
    assert main(["import", str(copy)]) == 0
    again = tmp_path / "again.json"
    assert main(["export", "cli-copy", "--output", str(again)]) == 0
    assert (
        json.loads(again.read_text(encoding="utf-8"))["provisions"]
        == cleaned_json(body)["provisions"]
    )

    # Refusals name what is wrong, and store nothing.
    bad = tmp_path / "bad.md"
    bad.write_text(text.replace("| parent: part-1", "| parent: nowhere", 1), encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(bad)]) == 1
    assert "line " in capsys.readouterr().err
    assert main(["export", "cli-draft", "--rev", "2", "--output", str(again)]) == 1
    assert main(["export", "nothing", "--output", str(again)]) == 1
