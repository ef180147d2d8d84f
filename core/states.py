"""One shape for every state machine: a transition table and one helper that moves a state.

Every stateful thing (orders, payments, refunds, order lines, commissions, withdrawals, plan
memberships, samples, lives) declares its table once::

    ORDER = StateMachine("order", {S.PAID: {S.SHIPPED, S.CANCELLED}, ...})
    previous = ORDER.move(order, S.SHIPPED)   # or raises IllegalTransition (409)

States are ``StrEnum`` members stored as their value in a string column (``status`` unless the
machine says otherwise). An illegal move raises; it never returns ``None`` or logs and carries on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

from core.exceptions import DomainError

S = TypeVar("S", bound=StrEnum)


class IllegalTransition(DomainError):
    """The object cannot move from its state to the one asked for."""

    status_code = 409

    def __init__(self, machine: str, current: str | None, target: str, label: str = "") -> None:
        what = label or machine
        now = _words(current) if current else "in no state"
        super().__init__(f"{what.capitalize()} is {now}; it cannot become {_words(target)}.")
        self.machine = machine
        self.current = current
        self.target = target


def _words(state: str) -> str:
    return str(state).replace("_", " ")


class StateMachine(Generic[S]):
    """A transition table over the states of ``kind`` and the one way to move between them."""

    def __init__(
        self,
        name: str,
        transitions: Mapping[S, Iterable[S]],
        *,
        field: str = "status",
    ) -> None:
        self.name = name
        self.field = field
        self.transitions: dict[S, frozenset[S]] = {
            state: frozenset(targets) for state, targets in transitions.items()
        }
        self.kind: type[S] = type(next(iter(self.transitions)))

    def state_of(self, obj: Any) -> S | None:
        raw = getattr(obj, self.field)
        return None if raw is None else self.kind(raw)

    def allowed(self, obj: Any) -> frozenset[S]:
        current = self.state_of(obj)
        return frozenset() if current is None else self.transitions.get(current, frozenset())

    def can_move(self, obj: Any, target: S) -> bool:
        return target in self.allowed(obj)

    def move(self, obj: Any, target: S, *, label: str = "") -> S | None:
        """Set ``obj``'s state to ``target`` or raise ``IllegalTransition``; return the old one."""
        current = self.state_of(obj)
        if target not in self.allowed(obj):
            identity = getattr(obj, "id", None)
            shown = label or (f"{self.name} #{identity}" if identity is not None else self.name)
            raise IllegalTransition(
                self.name, current.value if current else None, target.value, shown
            )
        setattr(obj, self.field, target.value)
        return current

    def is_final(self, state: S) -> bool:
        return not self.transitions.get(state)
