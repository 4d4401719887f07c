"""Import and export: the JSON shape of ``POST /api/v1/documents``, and a Markdown format.

The Markdown format (docs/markdown-format.md) is a TOML header between ``+++`` lines, then
one heading per provision, then one ``[language]`` block per language:

    +++
    slug = "federal-constitution-draft"
    languages = ["my", "en"]
    authoritative = "my"
    [title]
    my = "…"
    en = "…"
    +++

    ### art-1 | article | Article 1 | parent: part-1
    [my]
    …text…
    [en]
    …text…

In a heading's label, ``|`` and ``\\`` are written with a backslash in front. A text line
that would read as a heading or a ``[language]`` line, or that starts with a backslash, is
written with one more backslash in front, which import takes off again.

Export then import gives back the same document (the round-trip is tested).
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from constitution.errors import N_, DomainError, Invalid
from constitution.texts.models import Document, ProvisionVersion

HEADING = re.compile(
    r"^### (?P<key>\S+) \| (?P<kind>\w+) \| (?P<label>(?:\\.|[^|\\])+?)"
    r"(?: \| parent: (?P<parent>\S+))?\s*$"
)
LABEL_ESCAPE = re.compile(r"\\([\\|])")
LANGUAGE_LINE = re.compile(r"^\[(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)\]\s*$")


def document_json(document: Document, rows: list[ProvisionVersion]) -> dict[str, Any]:
    return {
        "slug": document.slug,
        "title": document.title,
        "languages": document.languages,
        "authoritative": document.authoritative,
        "provisions": [
            {
                "key": r.key,
                "label": r.label,
                "kind": r.kind,
                "parent": r.parent_key,
                "text": {lang: r.text.get(lang, "") for lang in document.languages},
                **({"labels": dict(r.labels)} if r.labels else {}),
            }
            for r in rows
        ],
    }


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _escape_line(line: str) -> str:
    if line.startswith(("\\", "### ")) or LANGUAGE_LINE.match(line):
        return "\\" + line
    return line


# A provision's label in one language, between its heading and its first [language] line.
LABEL_LINE = re.compile(r"^label\[(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)\]: (?P<label>.*)$")


def _escape_label(label: str) -> str:
    """A label in a heading: its backslashes and pipes written with a backslash."""
    return label.replace("\\", "\\\\").replace("|", "\\|")


def _unescape_label(label: str) -> str:
    return LABEL_ESCAPE.sub(r"\1", label.strip())


def to_markdown(document: Document, rows: list[ProvisionVersion]) -> str:
    lines = [
        "+++",
        f"slug = {_toml_string(document.slug)}",
        "languages = [" + ", ".join(_toml_string(x) for x in document.languages) + "]",
        f"authoritative = {_toml_string(document.authoritative)}",
        "[title]",
        *(f"{lang} = {_toml_string(text)}" for lang, text in document.title.items()),
        "+++",
    ]
    for row in rows:
        parent = f" | parent: {row.parent_key}" if row.parent_key else ""
        lines.append("")
        lines.append(f"### {row.key} | {row.kind} | {_escape_label(row.label)}{parent}")
        for lang, shown in (row.labels or {}).items():
            lines.append(f"label[{lang}]: {shown}")
        for lang in document.languages:
            lines.append(f"[{lang}]")
            lines.extend(_escape_line(x) for x in row.text.get(lang, "").split("\n"))
    return "\n".join(lines) + "\n"


def _fail(message: str, line: int) -> Invalid:
    return Invalid(message, field=f"line {line}", code="invalid_markdown")


def _toml_error_line(error: tomllib.TOMLDecodeError, end: int) -> int:
    """The file line of an error in the header, which starts on line 2 and ends before ``end``.

    Python 3.14 gives the line as ``lineno``; earlier versions only in the message.
    """
    lineno = getattr(error, "lineno", None)
    if not isinstance(lineno, int):
        match = re.search(r"at line (\d+)", str(error))
        lineno = int(match.group(1)) if match else end - 1  # "at end of document"
    return lineno + 1


def from_markdown(source: str) -> dict[str, Any]:
    """Parse the Markdown format into the JSON shape; errors name the line."""
    lines = source.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "+++":
        raise _fail(N_("The file must start with a +++ header."), 1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        raise _fail(N_("The +++ header is not closed."), 1) from None
    try:
        header = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as error:
        raise _fail(N_("The header is not valid TOML."), _toml_error_line(error, end)) from None
    provisions: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    language: str | None = None
    buffer: list[str] = []

    def flush() -> None:
        if current is not None and language is not None:
            current["text"][language] = "\n".join(buffer).strip()

    for number in range(end + 1, len(lines)):
        line = lines[number]
        if line.startswith("### "):
            flush()
            match = HEADING.match(line)
            if not match:
                raise _fail(N_("A heading is: ### key | kind | label | parent: key"), number + 1)
            current = {
                "key": match["key"],
                "kind": match["kind"],
                "label": _unescape_label(match["label"]),
                "parent": match["parent"],
                "text": {},
                "line": number + 1,
            }
            provisions.append(current)
            language, buffer = None, []
            continue
        lang = LANGUAGE_LINE.match(line)
        if lang and current is not None:
            flush()
            language, buffer = lang["lang"], []
            continue
        label = LABEL_LINE.match(line)
        if label and current is not None and language is None:
            current.setdefault("labels", {})[label["lang"]] = label["label"].strip()
            continue
        if line.strip() and (current is None or language is None):
            raise _fail(N_("Text must follow a heading and a [language] line."), number + 1)
        buffer.append(line[1:] if line.startswith("\\") else line)
    flush()
    return {**header, "provisions": provisions}


def markdown_error_line(body: dict[str, Any], error: DomainError) -> DomainError:
    """Turn ``provisions[3].text.my`` into the Markdown line of that provision."""
    match = re.match(r"provisions\[(\d+)\]", error.field or "")
    if match:
        index = int(match.group(1))
        provisions = body.get("provisions", [])
        if index < len(provisions):
            line = provisions[index].get("line")
            return Invalid(error.message, field=f"line {line}: {error.field}", code=error.code)
    return error
