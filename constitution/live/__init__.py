"""Live updates: a service signals that a channel's state changed; every worker's open event
streams of that channel learn it after the commit.

A signal is not data. It names a channel (``"sitting:12"``) and says "look again": each
worker's hub, which holds that channel's streams, recomputes the channel's events with the
snapshot function registered for its prefix (``register_snapshot("sitting", fn)``, from the
wiring), at most once every ``LIVE_COALESCE_MS`` however many signals arrive, and sends
each stream only the events that changed.

* ``signals``: ``signal(db, channel)``, what services call. On PostgreSQL a ``NOTIFY`` sent
  with the transaction's commit (so every worker hears it); on SQLite a call to this
  process's hubs once the transaction has committed.
* ``hub``: per worker, the channels with open streams, their snapshots and subscribers.
* ``postgres``: per worker, the one connection that listens for the signals.

The event stream itself (authentication, limits, server-sent events) is the web layer's
(``constitution.web.live``). This package knows no domain part.
"""

from constitution.live.hub import Event, register_snapshot
from constitution.live.signals import signal

__all__ = ["Event", "register_snapshot", "signal"]
