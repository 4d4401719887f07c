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
from constitution.votes.models import Attendance, Ballot, Elector, Poll, Proxy, Sitting

metadata = Base.metadata

__all__ = [
    "Amendment",
    "AmendmentChange",
    "AmendmentConflict",
    "ApiToken",
    "Attendance",
    "AuditEvent",
    "AuditHead",
    "AuthSession",
    "Ballot",
    "Comment",
    "Committee",
    "CommitteeMember",
    "CommitteeProvision",
    "Document",
    "Elector",
    "Invitation",
    "LoginThrottle",
    "Member",
    "Notification",
    "Poll",
    "Provision",
    "ProvisionVersion",
    "Proxy",
    "Revision",
    "SearchEntry",
    "Sitting",
    "Sponsor",
    "StoredDiff",
    "UsedFormToken",
    "metadata",
]
