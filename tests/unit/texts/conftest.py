from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from constitution.accounts.models import Member
from constitution.settings import Settings
from constitution.texts.models import Document
from tests.factories import make_document, make_member, small_body


@pytest.fixture
def editor(db: Session, settings: Settings) -> Member:
    return make_member(db, settings, "secretariat", ["member", "secretariat"])


@pytest.fixture
def document(db: Session) -> Document:
    return make_document(db, small_body())
