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
from constitution.amendments.models import (
    Amendment,
    AmendmentChange,
    Comment,
    Conflict,
    Notification,
    Sponsor,
)
from constitution.audit.models import AuditEvent, AuditHead
from constitution.db import Base
from constitution.texts.models import (
    Document,
    Provision,
    ProvisionVersion,
    Revision,
    SearchEntry,
)

metadata = Base.metadata

__all__ = [
    "Amendment",
    "AmendmentChange",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "AuthSession",
    "Comment",
    "Committee",
    "CommitteeMember",
    "CommitteeProvision",
    "Conflict",
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
    "UsedFormToken",
    "metadata",
]
