"""The draft in a real browser: contents, reading (one language and side by side), a
provision's history, revisions, compare (inline and side by side), search in Burmese.

The server is loaded like `make run` loads it (`constitution sample`: members, committees and
the bilingual sample draft), plus one editorial revision so there is something to compare.
Run with JavaScript on and off; every page is screenshotted and weighed. Reading pages may
exceed the 50 KB budget only by the bytes of the text itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from constitution.settings import PROJECT_ROOT
from tests.browser import conftest
from tests.browser.conftest import (
    Chromium,
    LiveServer,
    Recorder,
    Weights,
    _server_env,
    run_cli,
    run_python,
    serving,
)

SLUG = "federal-constitution-draft"

EDIT = """
from sqlalchemy import select
from constitution.accounts.models import Member
from constitution.db import Database, make_engine
from constitution.settings import load
from constitution.texts.services import editorial_revision, get_document, versions_at
from constitution.texts.validation import Notices

settings = load()
database = Database(make_engine(settings.database_url))
with database.transaction() as db:
    document = get_document(db, "federal-constitution-draft")
    editor = db.scalar(select(Member).where(Member.username == "secretariat"))
    rows = {r.key: r for r in versions_at(db, document, document.current_rev)}
    my = rows["art-1"].text["my"].rstrip("။") + " အစဉ်အမြဲ။"
    en = rows["art-1"].text["en"].replace("a union", "a lasting union", 1)
    editorial_revision(db, editor, document, {"reason": "browser test", "changes": [
        {"op": "replace", "key": "art-1", "text": {"my": my, "en": en}}]}, Notices())
"""


class Sample:
    def __init__(self, server: LiveServer, password: str, texts: dict[str, int]) -> None:
        self.server = server
        self.password = password
        self.text_bytes = texts


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    var_dir = tmp_path_factory.mktemp("browser-texts")
    env = _server_env(var_dir)
    run_cli(env, "migrate")
    printed = run_cli(env, "sample")
    match = re.search(r"^\s+nandar\s+(\S+)\s*$", printed, re.MULTILINE)
    assert match, printed
    run_python(env, "-c", EDIT)
    draft = PROJECT_ROOT / "constitution" / "sample_data" / "draft.json"
    import json

    provisions = json.loads(draft.read_text(encoding="utf-8"))["provisions"]
    texts = {
        lang: sum(len(p["text"][lang].encode("utf-8")) for p in provisions) for lang in ("my", "en")
    }
    with serving(env, var_dir) as server:
        yield Sample(server, match.group(1), texts)


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_reading_comparing_and_searching_the_draft(
    sample_server: Sample,
    chromium: Chromium,
    page_weights: Weights,
    javascript: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mode = f"texts-{'js-on' if javascript else 'js-off'}"
    context = chromium.new_context(javascript=javascript, locale="my-MM")
    try:
        page = context.new_page()
        rec = Recorder(page, sample_server.server, page_weights, mode, [0])
        rec.goto("/login", "login")
        page.fill("#username", "nandar")
        page.fill("#password", sample_server.password)
        rec.submit("main form button[type=submit]", "home")

        rec.goto("/documents", "documents")
        assert page.locator(f"a[href='/documents/{SLUG}']").count() == 1
        rec.goto(f"/documents/{SLUG}", "contents")
        assert page.locator(".toc li").count() > 20

        budget = conftest.MAX_PAGE_BYTES
        monkeypatch.setattr(conftest, "MAX_PAGE_BYTES", budget + sample_server.text_bytes["my"])
        rec.goto(f"/documents/{SLUG}/read?lang=my", "read-burmese")
        assert page.locator("html").get_attribute("lang") == "my"
        assert page.locator("#p-art-7 .ptext[lang=my]").count() == 1
        monkeypatch.setattr(
            conftest, "MAX_PAGE_BYTES", budget + sum(sample_server.text_bytes.values())
        )
        rec.goto(f"/documents/{SLUG}/read?lang=both", "read-both")
        assert page.locator("#p-art-7 .ptext").count() == 2
        rec.goto(f"/documents/{SLUG}/read?lang=en&rev=1", "read-revision-1")
        assert "a lasting union" not in page.inner_text("#p-art-1")
        monkeypatch.setattr(conftest, "MAX_PAGE_BYTES", budget)

        rec.goto(f"/documents/{SLUG}/p/art-1", "provision-history")
        assert page.locator(".history ins").count() >= 1
        rec.goto(f"/documents/{SLUG}/revisions", "revisions")
        assert page.locator("tbody tr").count() == 2

        rec.goto(f"/documents/{SLUG}/compare?from=1&to=2", "compare-inline")
        inserted = page.locator(".diff[lang=my] ins").all_inner_texts()
        assert inserted and all(not _starts_with_mark(t) for t in inserted), inserted
        assert "အစဉ်အမြဲ" in "".join(inserted)
        assert "lasting" in "".join(page.locator(".diff[lang=en] ins").all_inner_texts())
        rec.goto(f"/documents/{SLUG}/compare?from=1&to=2&view=side", "compare-side")
        assert page.locator(".side .new ins").count() >= 2

        rec.goto(f"/documents/{SLUG}/search?q=%E1%81%81%E1%81%88", "search-myanmar-digits")
        assert page.locator(".hits li").count() >= 1
        rec.goto(f"/documents/{SLUG}/search?q=18", "search-latin-digits")
        assert page.locator(".hits li").count() >= 1
        assert not rec.csp_violations, rec.csp_violations
    finally:
        context.close()


def _starts_with_mark(text: str) -> bool:
    import unicodedata

    return bool(text) and unicodedata.category(text[0]) in ("Mn", "Mc")
