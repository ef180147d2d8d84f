"""Plans, memberships and sample requests move through one state machine each; a refused move
is an ``IllegalTransition`` (409) that says why in the plan's words."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from affiliate.plans.exceptions import IllegalPlanTransition, PlanEnded, PlanError
from affiliate.plans.models import (
    MEMBERSHIP_STATES,
    PLAN_STATES,
    MembershipStatus,
    PlanStatus,
)
from affiliate.plans.samples.exceptions import IllegalSampleTransition, SampleError
from affiliate.plans.samples.models import SAMPLE_STATES, SampleStatus
from core.states import IllegalTransition

M = MembershipStatus


def _in(status) -> SimpleNamespace:
    return SimpleNamespace(id=1, status=status.value)


def test_a_plan_pauses_resumes_and_ends_for_good():
    assert PLAN_STATES.allowed(_in(PlanStatus.ACTIVE)) == {PlanStatus.PAUSED, PlanStatus.ENDED}
    assert PLAN_STATES.allowed(_in(PlanStatus.PAUSED)) == {PlanStatus.ACTIVE, PlanStatus.ENDED}
    assert PLAN_STATES.is_final(PlanStatus.ENDED)
    ended = _in(PlanStatus.ENDED)
    with pytest.raises(IllegalTransition) as refused:
        PLAN_STATES.move(ended, PlanStatus.ACTIVE)
    assert refused.value.status_code == 409
    assert ended.status == PlanStatus.ENDED.value


@pytest.mark.parametrize(
    ("start", "allowed"),
    [
        (M.INVITED, {M.ACCEPTED, M.DECLINED}),  # the creator answers once
        (M.DECLINED, {M.INVITED}),  # the seller may ask again
        (M.PENDING, {M.JOINED, M.REJECTED}),  # the seller answers once
        (M.LEFT, {M.INVITED, M.PENDING, M.JOINED}),  # back in by invitation or by joining
        (M.ACCEPTED, set()),
        (M.JOINED, set()),
        (M.REJECTED, set()),
    ],
)
def test_membership_moves(start, allowed):
    assert MEMBERSHIP_STATES.allowed(_in(start)) == allowed


def test_a_sample_request_is_answered_once():
    waiting = _in(SampleStatus.REQUESTED)
    assert SAMPLE_STATES.allowed(waiting) == {
        SampleStatus.APPROVED,
        SampleStatus.DECLINED,
        SampleStatus.CANCELLED,
    }
    for answered in (SampleStatus.APPROVED, SampleStatus.DECLINED, SampleStatus.CANCELLED):
        assert SAMPLE_STATES.is_final(answered)


def test_plan_refusals_are_illegal_transitions_in_the_plans_words():
    for error in (
        IllegalPlanTransition("“Spring” has ended; ending is final.", current="ended"),
        PlanEnded("Spring"),
        IllegalSampleTransition("This sample request was already approved.", current="approved"),
    ):
        assert isinstance(error, IllegalTransition)
        assert isinstance(error, PlanError)
        assert error.status_code == 409
    assert str(PlanEnded("Spring")) == "“Spring” has ended; it cannot change any more."
    sample = IllegalSampleTransition("x", current="approved", target="cancelled")
    assert isinstance(sample, SampleError)
    assert (sample.machine, sample.current, sample.target) == (
        "sample request",
        "approved",
        "cancelled",
    )
