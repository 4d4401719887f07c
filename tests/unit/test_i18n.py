"""The Burmese interface translation is complete and sound, and pages come in both languages.

When an interface string is added or changed: run `make messages`, then translate the new
(empty or fuzzy) entries in constitution/translations/my/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import functools
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from constitution import i18n, myanmar
from scripts.update_messages import MAPPING, extract_messages, po_path, updated_catalog
from tests.factories import post_form

# What Python's %-formatting (and Jinja's new-style gettext) reads in a message.
FORMAT = re.compile(r"%\((?P<name>\w+)\)[sdr]|%%")
STALE = "run `make messages`, then translate the new or changed entries"


@functools.cache
def extracted() -> Catalog:
    return extract_messages()


@functools.cache
def burmese() -> Catalog:
    with po_path("my").open("rb") as handle:
        return read_po(handle, locale="my")


def translated_messages() -> list[Message]:
    return [m for m in burmese() if m.id and m.string]


def message_ids(catalog: Catalog) -> set[str]:
    return {str(m.id) for m in catalog if m.id}


def placeholders(text: str) -> set[str]:
    return {m["name"] for m in FORMAT.finditer(text) if m["name"]}


def test_extraction_finds_the_interface_strings() -> None:
    ids = message_ids(extracted())
    assert len(ids) > 100
    # One from each source: N_ in a service, ctx._ in a view, _() in a template.
    assert "This username is taken." in ids
    assert "The two passwords are not the same." in ids
    assert "Welcome, %(name)s." in ids


def test_babel_cfg_finds_every_way_of_marking_a_message(tmp_path: Path) -> None:
    shutil.copy(MAPPING, tmp_path / "babel.cfg")
    (tmp_path / "constitution").mkdir()
    (tmp_path / "constitution" / "views.py").write_text(
        "def view(ctx, error):\n"
        "    ctx._('Translated now.')\n"
        "    ctx._(error.message)\n"
        "    return N_('Marked for later.'), gettext('Through gettext.')\n",
        encoding="utf-8",
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        '{% extends "base.html" %}{% block title %}{{ _("A title") }}{% endblock %}\n'
        "{% block content %}<p title=\"{{ _('In an attribute') }}\">"
        '{{ _("Hello %(name)s.", name=member.name) }}</p>{% endblock %}\n',
        encoding="utf-8",
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("_('Not from tests.')\n", encoding="utf-8")
    found = message_ids(extract_messages(tmp_path, tmp_path / "babel.cfg"))
    assert found == {
        "Translated now.",
        "Marked for later.",
        "Through gettext.",
        "A title",
        "In an attribute",
        "Hello %(name)s.",
    }


def test_updating_the_catalog_keeps_every_translation() -> None:
    updated = updated_catalog(extracted(), "my")
    for message in translated_messages():
        # A message the code no longer uses is kept as obsolete, with its translation.
        kept = updated.get(message.id) or updated.obsolete.get(message.id)
        assert kept is not None and kept.string == message.string, message.id


def test_every_interface_string_has_a_burmese_translation() -> None:
    entries = {str(m.id): m for m in burmese() if m.id}
    missing = sorted(
        msgid
        for msgid in message_ids(extracted())
        if msgid not in entries or not entries[msgid].string or entries[msgid].fuzzy
    )
    assert not missing, f"{len(missing)} untranslated or fuzzy ({STALE}):\n" + "\n".join(missing)
    plural_ids = {str(ids) for ids in i18n.plurals("my")}  # read by ngettext
    assert set(i18n.catalog("my")) | plural_ids >= message_ids(extracted())


def test_the_catalog_has_no_strings_the_code_no_longer_uses() -> None:
    stale = sorted(message_ids(burmese()) - message_ids(extracted()))
    assert not stale, f"no longer in the code ({STALE}):\n" + "\n".join(stale)


def test_the_catalog_header_is_burmese_utf8() -> None:
    catalog = burmese()
    assert str(catalog.locale) == "my"
    assert catalog.charset.lower() == "utf-8"
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    assert not catalog.fuzzy


@pytest.mark.parametrize("message", translated_messages(), ids=lambda m: str(m.id)[:40])
def test_translation_keeps_the_placeholders(message: Message) -> None:
    msgid, msgstr = str(message.id), str(message.string)
    assert placeholders(msgstr) == placeholders(msgid)
    # Any other % breaks the formatting Jinja applies to every template message.
    assert "%" not in FORMAT.sub("", msgstr)


@pytest.mark.parametrize("message", translated_messages(), ids=lambda m: str(m.id)[:40])
def test_translation_is_nfc_unicode(message: Message) -> None:
    msgstr = str(message.string)
    assert unicodedata.is_normalized("NFC", msgstr)
    assert not myanmar.has_control_characters(msgstr)
    assert myanmar.MYANMAR_CHAR.search(msgstr), "not translated into Burmese"
    # Text that reads the same in both encodings (ဘာသာစကား) may score high; it is not Zawgyi.
    if myanmar.is_zawgyi(msgstr):
        assert myanmar.zawgyi_to_unicode(msgstr) == msgstr, "Zawgyi"
    assert myanmar.clean(msgstr) == myanmar.CleanText(msgstr, False)


def test_the_extracted_message_ids_are_english_and_nfc() -> None:
    for msgid in message_ids(extracted()):
        assert unicodedata.is_normalized("NFC", msgid)
        assert not myanmar.MYANMAR_CHAR.search(msgid), msgid
        assert "%" not in FORMAT.sub("", msgid), msgid


def test_gettext_follows_the_current_language() -> None:
    token = i18n.current_language.set("my")
    try:
        assert i18n.gettext("Log in") == "ဝင်ရောက်ရန်"
        assert i18n.gettext("A message nobody translated") == "A message nobody translated"
    finally:
        i18n.current_language.reset(token)
    token = i18n.current_language.set("en")
    try:
        assert i18n.gettext("Log in") == "Log in"
    finally:
        i18n.current_language.reset(token)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "my"),
        ("", "my"),
        ("my", "my"),
        ("my-MM", "my"),
        ("en", "en"),
        ("EN-us", "en"),
        ("en-US,en;q=0.9", "en"),
        ("fr", "my"),
        ("*", "my"),
        ("fr, en;q=0.5", "en"),
        ("en;q=0.5, my;q=0.8", "my"),
        ("en, my;q=0.9", "en"),
        ("my;q=0.9, en", "en"),
        ("en-GB;q=0.8, my-MM;q=0.8", "en"),
        ("en;q=0", "my"),
        ("my;q=0, en;q=0.1", "en"),
        ("en;q=nonsense", "my"),
        (" en ; q=0.7 , zh;q=0.9", "en"),
        (",,;;q=", "my"),
        ("x" * 10_000, "my"),
    ],
)
def test_negotiate_reads_accept_language(header: str | None, language: str) -> None:
    assert i18n.negotiate(header) == language


def _page(client: TestClient, lang: str, path: str = "/login") -> BeautifulSoup:
    client.cookies.set("lang", lang)
    response = client.get(path)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def test_login_page_in_burmese(client: TestClient) -> None:
    page = _page(client, "my")
    assert page.html is not None and page.html["lang"] == "my"
    assert page.title is not None and page.title.string == "ဝင်ရောက်ရန် · ဖွဲ့စည်းပုံအခြေခံဥပဒေ"
    assert page.h1 is not None and page.h1.get_text() == "ဝင်ရောက်ရန်"
    labels = [label.get_text() for label in page.select("form.stack label")]
    assert labels == ["အသုံးပြုသူအမည်", "စကားဝှက်"]
    assert "Log in" not in page.get_text()
    # The language switch offers English, in English.
    switch = page.select_one("form.lang button[value=en]")
    assert switch is not None and switch.get_text() == "English" and switch["lang"] == "en"


def test_login_page_in_english(client: TestClient) -> None:
    page = _page(client, "en")
    assert page.html is not None and page.html["lang"] == "en"
    assert page.title is not None and page.title.string == "Log in · Constitution"
    assert page.h1 is not None and page.h1.get_text() == "Log in"
    assert not myanmar.MYANMAR_CHAR.search(page.select_one("main").get_text())
    switch = page.select_one("form.lang button[value=my]")
    assert switch is not None and switch.get_text() == "မြန်မာ" and switch["lang"] == "my"


@pytest.mark.parametrize(("header", "lang"), [("en-US,en;q=0.9", "en"), ("fr", "my")])
def test_without_a_cookie_the_browser_language_is_used(
    client: TestClient, header: str, lang: str
) -> None:
    response = client.get("/login", headers={"Accept-Language": header})
    page = BeautifulSoup(response.text, "html.parser")
    assert page.html is not None and page.html["lang"] == lang


def test_error_messages_from_services_are_translated(client: TestClient) -> None:
    client.cookies.set("lang", "my")
    response = post_form(
        client, "/login", "/login", {"username": "nobody", "password": "not the password"}
    )
    assert response.status_code == 401
    error = BeautifulSoup(response.text, "html.parser").select_one(".error")
    assert error is not None
    assert (
        error.get_text()
        == i18n.catalog("my")[
            "The username or password is not right, or the account is locked for a while."
        ]
    )


def test_plurals_come_from_the_catalogue() -> None:
    token = i18n.current_language.set("my")
    try:
        forms = i18n.plurals("my")
        singular, plural = "%(num)s result for %(q)s.", "%(num)s results for %(q)s."
        assert (singular, plural) in forms
        assert i18n.ngettext(singular, plural, 1) == forms[(singular, plural)][0]
        assert i18n.ngettext(singular, plural, 5) == forms[(singular, plural)][0]
    finally:
        i18n.current_language.reset(token)
    token = i18n.current_language.set("en")
    try:
        assert i18n.ngettext(singular, plural, 1) == singular
        assert i18n.ngettext(singular, plural, 2) == plural
    finally:
        i18n.current_language.reset(token)
