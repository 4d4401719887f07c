"""Static files over HTTP: content-hashed names cached for a year, and a first paint that
needs no second request (the critical stylesheet inline, allowed by its hash in the CSP)."""

from __future__ import annotations

import base64
import hashlib
import re

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from constitution.web.render import STATIC_DIR

IMMUTABLE = "public, max-age=31536000, immutable"
# The inline stylesheet is paid on every page: keep it small.
CRITICAL_BUDGET = 2500


def _content_hash(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def test_pages_name_the_stylesheet_by_its_content_and_it_is_cached_for_a_year(
    client: TestClient,
) -> None:
    soup = BeautifulSoup(client.get("/login").text, "html.parser")
    links = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
    assert links == [f"/static/site.{_content_hash('site.css')}.css"]
    response = client.get(str(links[0]))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.content == (STATIC_DIR / "site.css").read_bytes()


def test_the_plain_name_or_a_stale_hash_is_served_but_never_cached_for_long(
    client: TestClient,
) -> None:
    for path in ("/static/site.css", "/static/site.000000000000.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-cache", path


def test_a_hashed_name_of_a_missing_file_is_not_found(client: TestClient) -> None:
    assert client.get("/static/missing.0123456789ab.css").status_code == 404
    assert client.get("/static/../pyproject.0123456789ab.toml").status_code == 404


def test_a_304_keeps_the_long_cache(client: TestClient) -> None:
    path = f"/static/site.{_content_hash('site.css')}.css"
    etag = client.get(path).headers["etag"]
    again = client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.headers["cache-control"] == IMMUTABLE


def test_the_critical_stylesheet_is_inline_small_and_allowed_by_its_hash(
    client: TestClient,
) -> None:
    response = client.get("/login")
    soup = BeautifulSoup(response.text, "html.parser")
    head_styles = soup.head.find_all("style") if soup.head else []
    assert len(head_styles) == 1
    css = head_styles[0].string or ""
    assert len(css.encode("utf-8")) < CRITICAL_BUDGET
    assert ":lang(my)" in css and "font-family" in css
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
    policy = response.headers["content-security-policy"]
    style_src = re.search(r"style-src ([^;]*)", policy)
    assert style_src and style_src.group(1).split() == ["'self'", f"'sha256-{digest}'"]
    assert "unsafe-inline" not in policy


def test_the_full_stylesheet_loads_after_the_content_not_in_the_head(
    client: TestClient,
) -> None:
    soup = BeautifulSoup(client.get("/login").text, "html.parser")
    assert soup.head is not None and not soup.head.find_all("link", rel="stylesheet")
    link = soup.body.find("link", rel="stylesheet") if soup.body else None
    assert link is not None
    assert link.find_previous("main") is not None  # after the text
