"""Static files under content-hashed names, cached for a year.

``static_url("site.css")`` names ``/static/site.<hash>.css``. A request for that exact name
is answered with the file and ``Cache-Control: public, max-age=31536000, immutable``: a new
version has a new name, so a member's browser never asks again. The plain name (or a stale
hash) still answers, with ``no-cache``, so an old page in a cache keeps its styles.
"""

from __future__ import annotations

import re

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from constitution.web.render import hashed_name

HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)?$")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class HashedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        match = HASHED.match(path)
        real = f"{match['stem']}{match['suffix'] or ''}" if match else path
        response = await super().get_response(real, scope)
        fresh = match is not None and _current(real, path)
        if response.status_code in (200, 304):
            response.headers["cache-control"] = IMMUTABLE if fresh else REVALIDATE
        return response


def _current(real: str, requested: str) -> bool:
    try:
        return hashed_name(real) == requested
    except OSError:
        return False


__all__ = ["HashedStaticFiles"]
