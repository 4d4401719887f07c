"""Imports every model so that the metadata is complete (for Alembic and tests)."""

from constitution.accounts.models import (
    ApiToken,
    AuthSession,
    Committee,
    CommitteeMember,
    CommitteeProvision,
    Invitation,
    LoginThrottle,
    Member,
    UsedFormToken,
)
from constitution.amendments.models import Amendment, AmendmentChange, AmendmentConflict, Sponsor
from constitution.audit.models import AuditEvent, AuditHead
from constitution.comments.models import Comment
from constitution.db import Base
from constitution.inbox.models import Notification
from constitution.texts.models import (
    Document,
    Provision,
    ProvisionVersion,
    Revision,
    SearchEntry,
    StoredDiff,
)

metadata = Base.metadata

__all__ = [
    "Amendment",
    "AmendmentChange",
    "AmendmentConflict",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "AuthSession",
    "Comment",
    "Committee",
    "CommitteeMember",
    "CommitteeProvision",
    "Document",
    "Invitation",
    "LoginThrottle",
    "Member",
    "Notification",
    "Provision",
    "ProvisionVersion",
    "Revision",
    "SearchEntry",
    "Sponsor",
    "StoredDiff",
    "UsedFormToken",
    "metadata",
]
