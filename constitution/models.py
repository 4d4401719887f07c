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
    "Comment",
    "Conflict",
    "Notification",
    "Sponsor",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "AuthSession",
    "Committee",
    "CommitteeMember",
    "CommitteeProvision",
    "Document",
    "Invitation",
    "LoginThrottle",
    "Member",
    "Provision",
    "ProvisionVersion",
    "Revision",
    "SearchEntry",
    "UsedFormToken",
    "metadata",
]
