"""A migrated database with the seed trial and one user per role."""

from __future__ import annotations

import pytest

from service.study_helpers import PASSWORD, TRIAL, Staff
from trialdesk.service.access import SYSTEM_ACTOR, Actor, Role
from trialdesk.service.storage.database import Database
from trialdesk.service.trials import ensure_trial
from trialdesk.service.users import actor_of, create_user


@pytest.fixture
def study(database: Database) -> Database:
    with database.transaction() as session:
        ensure_trial(session, SYSTEM_ACTOR, TRIAL)
    return database


@pytest.fixture
def staff(study: Database) -> Staff:
    actors: dict[str, Actor] = {}
    with study.transaction() as session:
        for role in Role:
            user = create_user(
                session,
                SYSTEM_ACTOR,
                username=role.value,
                full_name=f"Dr {role.value.title()}",
                role=role.value,
                password=PASSWORD,
            )
            actors[role.value] = actor_of(user)
    return Staff(**actors)
