"""Checking and cleaning text input: documents, provisions and changes.

Every error names the field (``provisions[3].text.my``). Text is converted from Zawgyi
when detected (each conversion is reported as a notice) and NFC-normalised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from constitution import myanmar
from constitution.errors import N_, Invalid
from constitution.texts.models import KINDS

KEY = re.compile(r"[a-z0-9][a-z0-9_.\-]{0,99}")
SLUG = re.compile(r"[a-z0-9][a-z0-9\-]{0,99}")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
MAX_TEXT = 50_000
MAX_LABEL = 100
MAX_TITLE = 300
MAX_REASON = 2_000
MAX_PROVISIONS = 5_000


@dataclass
class Notices:
    """Fields whose text arrived in Zawgyi and was converted."""

    items: list[dict[str, str]] = field(default_factory=list)

    def converted(self, name: str) -> None:
        self.items.append({"field": name, "code": "converted_from_zawgyi"})


def clean_string(
    value: Any,
    name: str,
    notices: Notices,
    *,
    max_length: int,
    required: bool = True,
    multiline: bool = True,
    strip: bool = True,
    zawgyi: bool = True,
) -> str:
    """Text as stored: NFC, LF line ends, no control characters, within the limit, Zawgyi
    converted (and noted); outer whitespace removed unless ``strip`` is False (a quote's
    context must abut the quote). A single-line field (``multiline=False``) refuses line
    breaks and invisible characters too. ``zawgyi=False`` only normalises (a quote of the
    stored text).

    The length and the runs of combining marks are checked first: detecting and converting
    Zawgyi take time that grows with them."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise Invalid(N_("This field must be text."), field=name)
    raw = _line_ends(value)
    if strip:
        raw = raw.strip()
    text = myanmar.nfc(raw)
    # The whole value: a line separator at its end is whitespace to strip(), but refused.
    check_plain_text(text, name, max_length=max_length, multiline=multiline, whole=value)
    if required and not text:
        raise Invalid(N_("This field is required."), field=name)
    if zawgyi:
        cleaned = myanmar.clean(raw)
        if cleaned.converted_from_zawgyi:
            notices.converted(name)
            text = cleaned.text
            if len(text) > max_length:
                raise Invalid(N_("This text is longer than the limit."), field=name)
    return text


def check_plain_text(
    text: str, name: str, *, max_length: int, multiline: bool, whole: str | None = None
) -> None:
    """The checks of every text field, in the order that bounds their cost: the length,
    runs of combining marks, control characters; in a single-line field also line breaks,
    invisible characters and direction marks."""
    if len(text) > max_length:
        raise Invalid(N_("This text is longer than the limit."), field=name)
    if myanmar.has_mark_run(text):
        raise Invalid(
            N_("This text has too many combining marks in a row."),
            field=name,
            code="too_many_marks",
        )
    if myanmar.has_control_characters(text) or (not multiline and "\n" in text):
        raise Invalid(N_("This field contains control characters."), field=name)
    if not multiline and myanmar.has_invisible_characters(text if whole is None else whole):
        raise Invalid(
            N_("This field contains invisible characters or direction marks."),
            field=name,
            code="invisible_character",
        )


def _line_ends(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def form_text(value: str) -> str:
    """A textarea's value as the services would store it (LF line ends, NFC, no outer
    space), to tell whether a form changed a text; nothing is converted or checked."""
    return myanmar.nfc(_line_ends(value)).strip()


def changed_languages(values: Mapping[str, str], current: Mapping[str, str]) -> dict[str, str]:
    """Only the languages whose text a form changed (a replace that names a language also
    confirms its translation)."""
    return {lang: text for lang, text in values.items() if form_text(text) != current.get(lang, "")}


def clean_key(value: Any, name: str) -> str:
    if not isinstance(value, str) or not KEY.fullmatch(value):
        raise Invalid(
            N_("A key has lowercase Latin letters, digits, dots, dashes or underscores."),
            field=name,
        )
    return value


def clean_optional_key(value: Any, name: str) -> str | None:
    return None if value is None else clean_key(value, name)


def clean_kind(value: Any, name: str) -> str:
    if value not in KINDS:
        raise Invalid(N_("Unknown kind of provision."), field=name)
    return str(value)


def clean_label(value: Any, name: str, notices: Notices) -> str:
    return clean_string(value, name, notices, max_length=MAX_LABEL, multiline=False)


def labels_following(
    labels: dict[str, str],
    authoritative: str,
    label: str | None,
    given: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A provision's ``labels`` once a change gives it ``label`` (the label in the
    authoritative language) and, or, the labels ``given`` per language (as a revision's
    tree applies them): each given label takes its language's place; with none given, the
    authoritative language's own entry, where it has one, follows ``label``."""
    if given is not None:
        return {**labels, **given}
    if label and authoritative in labels:
        return {**labels, authoritative: label}
    return dict(labels)


def clean_labels(value: Any, name: str, languages: list[str], notices: Notices) -> dict[str, str]:
    """A provision's ``labels``: {language: label}, only the document's languages; an empty
    one is left out (the provision then shows its ``label`` in that language)."""
    if value is None:
        return {}
    labels = clean_text_map(value, name, languages, notices, max_length=MAX_LABEL, multiline=False)
    return {language: label for language, label in labels.items() if label}


def shown_label(label: str, labels: Mapping[str, str], language: str) -> str:
    """The label shown in ``language``: its own, or the provision's ``label``."""
    return labels.get(language) or label


def clean_languages(value: Any, name: str = "languages") -> list[str]:
    if not isinstance(value, list) or not value or len(value) > 20:
        raise Invalid(N_("Give the list of the document's languages."), field=name)
    for index, code in enumerate(value):
        if not isinstance(code, str) or not LANGUAGE.fullmatch(code):
            raise Invalid(N_("Unknown language."), field=f"{name}[{index}]")
    if len(set(value)) != len(value):
        raise Invalid(N_("A language is listed twice."), field=name)
    return list(value)


def clean_text_map(
    value: Any,
    name: str,
    languages: list[str],
    notices: Notices,
    *,
    required: tuple[str, ...] = (),
    max_length: int = MAX_TEXT,
    multiline: bool = True,
) -> dict[str, str]:
    """A {language: text} object: only the document's languages; ``required`` ones non-empty."""
    if not isinstance(value, Mapping):
        raise Invalid(N_("Give the text as an object keyed by language."), field=name)
    result: dict[str, str] = {}
    for language, text in value.items():
        if language not in languages:
            raise Invalid(N_("Unknown language."), field=f"{name}.{language}")
        result[language] = clean_string(
            text,
            f"{name}.{language}",
            notices,
            max_length=max_length,
            required=False,
            multiline=multiline,
        )
    for language in required:
        if not result.get(language):
            raise Invalid(
                N_("The text in the authoritative language is required."),
                field=f"{name}.{language}",
            )
    return result


@dataclass(frozen=True)
class ProvisionInput:
    key: str
    label: str
    kind: str
    parent: str | None
    text: dict[str, str]
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentInput:
    slug: str
    title: dict[str, str]
    languages: list[str]
    authoritative: str
    provisions: list[ProvisionInput]


def kind_may_contain(parent_kind: str, child_kind: str) -> bool:
    return KINDS.index(child_kind) > KINDS.index(parent_kind)


def _check_tree(provisions: list[ProvisionInput]) -> None:
    position = {p.key: i for i, p in enumerate(provisions)}
    by_key = {p.key: p for p in provisions}
    for index, item in enumerate(provisions):
        name = f"provisions[{index}].parent"
        if item.parent is None:
            continue
        if item.parent not in position:
            raise Invalid(N_("The parent is not a provision of this document."), field=name)
        seen = {item.key}
        walk: str | None = item.parent
        while walk is not None:
            if walk in seen:
                raise Invalid(N_("The parents form a cycle."), field=name, code="cycle")
            seen.add(walk)
            walk = by_key[walk].parent
        if position[item.parent] > index:
            raise Invalid(N_("A parent must come before its children."), field=name)
        if not kind_may_contain(by_key[item.parent].kind, item.kind):
            raise Invalid(
                N_("This kind of provision cannot stand under its parent."),
                field=f"provisions[{index}].kind",
            )


def check_labels(provisions: list[ProvisionInput], field_prefix: str = "provisions") -> None:
    """Siblings may not share a label, nor may two articles anywhere in the document: in
    no language (a provision shows its ``label`` where ``labels`` lacks a language)."""
    languages = {language for item in provisions for language in item.labels}
    seen: dict[tuple[str, str | None, str], int] = {}
    articles: dict[tuple[str, str], int] = {}
    for index, item in enumerate(provisions):
        for language in sorted(languages | {""}):
            if language:
                shown = shown_label(item.label, item.labels, language).casefold()
                own = language in item.labels
            else:
                shown, own = item.label.casefold(), True
            name = f"{field_prefix}[{index}]." + (
                f"labels.{language}" if language and own else "label"
            )
            scope = (language, item.parent, shown)
            if scope in seen:
                raise Invalid(
                    N_("Another provision under the same parent has this label."),
                    field=name,
                    code="label_clash",
                )
            seen[scope] = index
            if item.kind == "article":
                if (language, shown) in articles:
                    raise Invalid(
                        N_("Another article has this label."), field=name, code="label_clash"
                    )
                articles[(language, shown)] = index


def clean_document(body: Any, notices: Notices) -> DocumentInput:
    if not isinstance(body, Mapping):
        raise Invalid(N_("The request body must be a JSON object."), field="body")
    slug = body.get("slug")
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        raise Invalid(N_("A slug has lowercase Latin letters, digits and dashes."), field="slug")
    languages = clean_languages(body.get("languages"))
    authoritative = body.get("authoritative")
    if authoritative not in languages:
        raise Invalid(
            N_("The authoritative language must be one of the languages."), field="authoritative"
        )
    title = clean_text_map(
        body.get("title"),
        "title",
        languages,
        notices,
        required=(str(authoritative),),
        max_length=MAX_TITLE,
        multiline=False,
    )
    raw = body.get("provisions")
    if not isinstance(raw, list) or not raw:
        raise Invalid(N_("Give the list of provisions."), field="provisions")
    if len(raw) > MAX_PROVISIONS:
        raise Invalid(N_("There are too many provisions."), field="provisions")
    provisions: list[ProvisionInput] = []
    keys: set[str] = set()
    for index, item in enumerate(raw):
        name = f"provisions[{index}]"
        if not isinstance(item, Mapping):
            raise Invalid(N_("A provision must be an object."), field=name)
        key = clean_key(item.get("key"), f"{name}.key")
        if key in keys:
            raise Invalid(N_("This key is used twice."), field=f"{name}.key", code="duplicate_key")
        keys.add(key)
        provisions.append(
            ProvisionInput(
                key=key,
                label=clean_label(item.get("label"), f"{name}.label", notices),
                kind=clean_kind(item.get("kind"), f"{name}.kind"),
                parent=clean_optional_key(item.get("parent"), f"{name}.parent"),
                text=clean_text_map(
                    item.get("text"),
                    f"{name}.text",
                    languages,
                    notices,
                    required=(str(authoritative),),
                ),
                labels=clean_labels(item.get("labels"), f"{name}.labels", languages, notices),
            )
        )
    _check_tree(provisions)
    check_labels(provisions)
    return DocumentInput(slug, title, languages, str(authoritative), provisions)


def clean_reason(value: Any, notices: Notices) -> str:
    return clean_string(value, "reason", notices, max_length=MAX_REASON, multiline=False)
