"""Extract the interface strings and bring the Burmese catalog up to date (`make messages`).

Reads babel.cfg, extracts every marked message from the Python code and the Jinja templates,
and merges the result into constitution/translations/<lang>/LC_MESSAGES/messages.po:
existing translations are kept, new message ids are added with an empty translation (or,
when an old message is very close, its translation marked fuzzy for review), and message
ids that no longer occur are kept at the end as obsolete (``#~``) entries.

Then translate every entry that is empty or fuzzy and remove the fuzzy flag;
tests/unit/test_i18n.py names the ones still missing. ``--check`` changes nothing and exits
with status 1 when the catalog is out of date or has untranslated entries (for CI).
"""

from __future__ import annotations

import argparse
import io
import sys
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "babel.cfg"
TRANSLATIONS = ROOT / "constitution" / "translations"
LANGUAGES = ("my",)
# Burmese has no grammatical number; Babel's locale data would otherwise give two forms.
HEADERS = {
    "my": [
        ("Plural-Forms", "nplurals=1; plural=0;"),
        ("Language-Team", "Burmese"),
    ],
}
HEADER_COMMENT = """\
# {name} interface translation of the constitution drafting platform.
# English is the source language. Run `make messages`, then translate
# every empty or fuzzy entry and drop its fuzzy flag. Write NFC Unicode,
# never Zawgyi, and keep every %(name)s placeholder as it is.
#"""
PROJECT = "constitution"
# Header lines that change on every run; ignored when deciding whether anything changed.
DATE_HEADERS = (b'"POT-Creation-Date:', b'"PO-Revision-Date:')


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def _directory_filter(root: Path, method_map: Iterable[tuple[str, str]]) -> Callable[[str], bool]:
    """Descend only into the top folders the patterns name, skipping hidden and _ folders."""
    tops = {pattern.split("/", 1)[0] for pattern, _method in method_map}

    def accept(path: str) -> bool:
        relative = Path(path).resolve().relative_to(root.resolve())
        return relative.parts[0] in tops and not any(
            part.startswith((".", "_")) for part in relative.parts
        )

    return accept


def extract_messages(root: Path = ROOT, mapping: Path = MAPPING) -> Catalog:
    """A template catalog (no translations) of every message babel.cfg's extractors find."""
    with mapping.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(mapping))
    template = Catalog(project=PROJECT, charset="utf-8", fuzzy=False)
    found = extract_from_dir(
        root,
        method_map,
        options_map,
        keywords={},  # each section of babel.cfg names its own keywords
        directory_filter=_directory_filter(root, method_map),
    )
    for filename, lineno, message, comments, context in found:
        template.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def _nfc(value: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...] | list[str]:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return type(value)(unicodedata.normalize("NFC", part) for part in value)


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def updated_catalog(template: Catalog, language: str) -> Catalog:
    """The language's catalog merged with ``template``; every translation NFC-normalised."""
    path = po_path(language)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        catalog = Catalog(locale=language, project=PROJECT, charset="utf-8", fuzzy=False)
        name = catalog.locale.english_name if catalog.locale else language
        catalog.header_comment = HEADER_COMMENT.format(name=name)
    catalog.update(template, update_header_comment=False)
    catalog.mime_headers = HEADERS.get(language, [])
    catalog.project = PROJECT
    catalog.version = _version()
    catalog.charset = "utf-8"
    catalog.fuzzy = False
    for message in list(catalog) + list(catalog.obsolete.values()):
        if message.id and message.string:
            message.string = _nfc(message.string)
    return catalog


def render(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    # File names without line numbers: the catalog changes when messages do, not when code
    # around them moves.
    write_po(
        out,
        catalog,
        width=76,
        ignore_obsolete=False,
        include_previous=False,
        include_lineno=False,
    )
    return out.getvalue()


def _without_dates(po: bytes) -> list[bytes]:
    return [line for line in po.splitlines() if not line.startswith(DATE_HEADERS)]


def untranslated(catalog: Catalog) -> list[str]:
    return [
        str(m.id)
        for m in catalog
        if m.id and (m.fuzzy or not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; fail if a catalog is out of date or has untranslated entries",
    )
    args = parser.parse_args(argv)
    template = extract_messages()
    print(f"{len(template)} messages extracted")
    status = 0
    for language in LANGUAGES:
        path = po_path(language)
        catalog = updated_catalog(template, language)
        new = render(catalog)
        old = path.read_bytes() if path.exists() else b""
        changed = _without_dates(new) != _without_dates(old)
        missing = untranslated(catalog)
        where = path.relative_to(ROOT)
        if args.check:
            if changed:
                print(f"{where} is out of date: run `make messages`", file=sys.stderr)
                status = 1
        elif changed:
            catalog.revision_date = datetime.now(UTC)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(render(catalog))
            print(f"{where} updated")
        else:
            print(f"{where} already up to date")
        if missing:
            print(f"{where}: {len(missing)} to translate (empty or fuzzy):", file=sys.stderr)
            for msgid in missing:
                print(f"  {msgid}", file=sys.stderr)
            if args.check:
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
