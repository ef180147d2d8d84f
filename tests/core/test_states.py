"""The one state-machine helper: legal moves set the state, illegal ones raise a 409."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest

from core.exceptions import DomainError
from core.states import IllegalTransition, StateMachine


class Light(StrEnum):
    RED = "red"
    GREEN = "green"
    AMBER = "amber"
    OFF = "off"


LIGHT = StateMachine(
    "light",
    {
        Light.RED: {Light.GREEN, Light.OFF},
        Light.GREEN: {Light.AMBER},
        Light.AMBER: {Light.RED},
        Light.OFF: set(),
    },
)


@dataclass
class Lamp:
    id: int
    status: str | None


def test_a_legal_move_sets_the_state_and_returns_the_old_one():
    lamp = Lamp(1, "red")
    assert LIGHT.move(lamp, Light.GREEN) is Light.RED
    assert lamp.status == "green"


def test_an_illegal_move_raises_a_409_and_changes_nothing():
    lamp = Lamp(7, "green")
    with pytest.raises(IllegalTransition) as raised:
        LIGHT.move(lamp, Light.RED)
    assert lamp.status == "green"
    assert raised.value.status_code == 409
    assert isinstance(raised.value, DomainError)
    assert str(raised.value) == "Light #7 is green; it cannot become red."


def test_a_final_state_allows_nothing():
    assert LIGHT.is_final(Light.OFF)
    assert LIGHT.allowed(Lamp(1, "off")) == frozenset()


def test_an_object_without_a_state_cannot_move():
    with pytest.raises(IllegalTransition):
        LIGHT.move(Lamp(2, None), Light.RED)


def test_a_machine_may_keep_its_state_in_another_field():
    @dataclass
    class Refund:
        id: int
        provider_state: str

    machine = StateMachine("refund", {Light.RED: {Light.GREEN}}, field="provider_state")
    refund = Refund(3, "red")
    machine.move(refund, Light.GREEN)
    assert refund.provider_state == "green"


def test_domain_errors_carry_their_field():
    error = DomainError("Enter an amount.", field="amount")
    assert (error.field, error.status_code, error.message) == ("amount", 400, "Enter an amount.")
