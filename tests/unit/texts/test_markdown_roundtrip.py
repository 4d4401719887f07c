"""Markdown export then import gives back the same tree, labels and texts, whatever they hold.

Trees, labels and texts are generated (hypothesis) from pieces that mean something to the
format or to Markdown: headings, ``[language]`` lines, pipes, backslashes, ``#``, ``*``,
leading digits with a dot, blank lines, Burmese and spaces.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from constitution.errors import Invalid
from constitution.texts.formats import from_markdown, to_markdown
from constitution.texts.models import KINDS, Document, ProvisionVersion
from constitution.texts.validation import DocumentInput, Notices, ProvisionInput, clean_document

WORDS = [
    "ပြည်ထောင်စု",
    "အမျိုးသမီး",
    "တန်းတူ",
    "၁၂။",
    "Union",
    "Article",
    "(က)",
    "1.",
    "12.",
    "#",
    "##",
    "### ",
    "*",
    "**",
    "-",
    "+",
    "+++",
    ">",
    "`",
    "|",
    " | ",
    " | parent: art-1",
    "\\",
    "[my]",
    "[en]",
    "[x]",
    "_",
    "=",
    '"',
    "'",
    " ",
    "  ",
    "\t",
]
LINE_BREAKS = ["\n", "\n\n", "\n \n", "\n\\\n"]


def joined(pieces: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), min_size=1, max_size=8).map("".join)


LABELS = joined(WORDS)
TEXTS = st.lists(joined(WORDS + LINE_BREAKS), min_size=1, max_size=4).map("\n".join)
KEYS = st.from_regex(r"[a-z0-9][a-z0-9_.\-]{0,12}", fullmatch=True)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(min_value=1, max_value=8))
    keys = draw(st.lists(KEYS, min_size=count, max_size=count, unique=True))
    provisions: list[dict[str, Any]] = []
    for key in keys:
        kind = draw(st.sampled_from(KINDS))
        parents = [p for p in provisions if KINDS.index(p["kind"]) < KINDS.index(kind)]
        parent = draw(st.none() | st.sampled_from(parents)) if parents else None
        text = {"my": draw(TEXTS)}
        if draw(st.booleans()):
            text["en"] = draw(TEXTS | st.just(""))
        provisions.append(
            {
                "key": key,
                "label": draw(LABELS),
                "kind": kind,
                "parent": parent["key"] if parent else None,
                "text": text,
            }
        )
    title = {"my": draw(LABELS), "en": draw(LABELS)}
    return {
        "slug": "round-trip",
        "title": title,
        "languages": ["my", "en"],
        "authoritative": "my",
        "provisions": provisions,
    }


def stored(data: DocumentInput) -> tuple[Document, list[ProvisionVersion]]:
    """The document and its rows as export reads them (not saved: export needs no more)."""
    document = Document(
        slug=data.slug,
        title=data.title,
        languages=data.languages,
        authoritative=data.authoritative,
    )
    rows = [
        ProvisionVersion(
            key=p.key,
            label=p.label,
            kind=p.kind,
            parent_key=p.parent,
            text={lang: p.text.get(lang, "") for lang in data.languages},
        )
        for p in data.provisions
    ]
    return document, rows


def as_stored(data: DocumentInput) -> DocumentInput:
    """Every language present, as the rows hold them."""
    _document, rows = stored(data)
    provisions = [
        ProvisionInput(key=p.key, label=p.label, kind=p.kind, parent=p.parent, text=r.text)
        for p, r in zip(data.provisions, rows, strict=True)
    ]
    return DocumentInput(data.slug, data.title, data.languages, data.authoritative, provisions)


@settings(max_examples=300, deadline=None)
@given(documents())
def test_markdown_export_then_import_gives_back_the_same_document(body: dict[str, Any]) -> None:
    try:
        data = clean_document(body, Notices())
    except Invalid:
        return  # two siblings drew the same label, or a text was only spaces
    document, rows = stored(data)
    source = to_markdown(document, rows)
    again = clean_document(from_markdown(source), Notices())
    assert as_stored(again) == as_stored(data)


def test_a_label_with_a_pipe_and_a_parent_lookalike_survives() -> None:
    body = {
        "slug": "pipes",
        "title": {"my": "က"},
        "languages": ["my"],
        "authoritative": "my",
        "provisions": [
            {
                "key": "a",
                "label": "Part | one",
                "kind": "part",
                "parent": None,
                "text": {"my": "က"},
            },
            {
                "key": "b",
                "label": "1. \\ x | parent: a",
                "kind": "article",
                "parent": "a",
                "text": {"my": "# ခ\n\n1. *ဂ*"},
            },
        ],
    }
    data = clean_document(body, Notices())
    document, rows = stored(data)
    assert clean_document(from_markdown(to_markdown(document, rows)), Notices()) == data
