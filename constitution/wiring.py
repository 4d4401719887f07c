"""The hooks between parts, registered in one place (DESIGN.md: never as a side effect of
an import). ``create_app`` and the command line call ``wire()``; calling it again changes
nothing."""

from __future__ import annotations

from constitution.accounts import permissions
from constitution.amendments import display
from constitution.web.render import register_nav_item, register_permission


def wire() -> None:
    # Navigation counts for a member who is fully logged in.
    register_nav_item("unread", display.unread_count)
    register_nav_item("committees", display.committee_count)
    # What templates may ask of the logged-in member, as ``may.<name>``.
    register_permission("administer", permissions.is_admin)
    register_permission("edit_text", permissions.is_editor)
