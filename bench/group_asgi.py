"""The app with the vote writer prototype: ``uvicorn bench.group_asgi:app``.

The same app as ``constitution.asgi``, except that ``POST /api/v1/polls/{id}/votes`` with a
bearer token goes through ``constitution.api.vote_writer`` (votes committed in groups).
"""

from constitution.api import vote_writer
from constitution.app import create_app

app = create_app()
vote_writer.install(app)
