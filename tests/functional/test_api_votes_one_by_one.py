"""Every test of the voting API again with ``VOTE_GROUP_MAX=0``: each vote committed on its
own by the regular endpoint, as every other request is (the app's vote writer is off)."""

from __future__ import annotations

import dataclasses

import pytest
from starlette.applications import Starlette

from constitution.settings import Settings
from tests.functional.test_api_votes import *  # noqa: F403  (each runs again, one by one)


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return dataclasses.replace(base_settings, vote_group_max=0)


def test_the_vote_route_is_the_regular_endpoint(app: Starlette) -> None:
    assert app.state.vote_writer is None
    route = next(r for r in app.router.routes if getattr(r, "name", "") == "api.polls.vote")
    assert not route.endpoint.__qualname__.startswith("grouped_vote_endpoint")  # type: ignore[attr-defined]
