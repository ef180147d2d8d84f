"""How creators come into plans: invitations to targeted plans, joining open plans (also by
adding one of their products to a showcase), and the seller's answer to a joiner.

Plain functions over ids and objects; they flush, the caller commits. A membership moves only
through ``MEMBERSHIP_STATES``; a refusal says why in the words of the one who asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from affiliate.plans import notices, showcase, signals
from affiliate.plans.exceptions import (
    IllegalPlanTransition,
    NotFound,
    NotInvited,
    PlanEnded,
    PlanNotJoinable,
)
from affiliate.plans.models import (
    MEMBERSHIP_STATES,
    MembershipStatus,
    Plan,
    PlanKind,
    PlanMembership,
    PlanStatus,
)
from affiliate.plans.showcase import ShowcaseAddition
from affiliate.profiles.exceptions import NotACreator
from affiliate.profiles.models import CreatorProfile
from core.accounts.models import Role, User, UserRole
from core.extensions import db
from core.types import utcnow


def _creator_ids_among(user_ids: Iterable[int]) -> set[int]:
    query = select(UserRole.user_id).where(
        UserRole.user_id.in_(set(user_ids)), UserRole.role == Role.CREATOR.value
    )
    return set(db.session.scalars(query))


def check_creators(creator_ids: Iterable[int]) -> list[int]:
    """The ids, without repeats, if each is a creator's account; else ``NotACreator``."""
    ids = list(dict.fromkeys(int(i) for i in creator_ids))
    creators = _creator_ids_among(ids)
    for creator_id in ids:
        if creator_id not in creators:
            user = db.session.get(User, creator_id)
            who = user.display_name if user else f"account #{creator_id}"
            raise NotACreator(
                f"{who} is not a creator; only creators can be invited.", field="creators"
            )
    return ids


def find_creator_ids(identifiers: Iterable[str]) -> list[int]:
    """Creator account ids for handles (``@handle`` or ``handle``) or emails, in order."""
    ids: list[int] = []
    for raw in identifiers:
        token = raw.strip().strip(",;").strip()
        if not token:
            continue
        if "@" in token.lstrip("@"):
            user_id = db.session.scalar(
                select(User.id).where(func.lower(User.email) == token.lower())
            )
        else:
            user_id = db.session.scalar(
                select(CreatorProfile.user_id).where(
                    CreatorProfile.handle == token.lstrip("@").lower()
                )
            )
        if user_id is None:
            raise NotACreator(f"No creator account is called “{token[:60]}”.", field="creators")
        ids.append(user_id)
    check_creators(ids)
    return list(dict.fromkeys(ids))


# ---------------------------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------------------------


def invite(
    plan: Plan, creator_ids: Iterable[int], *, actor_id: int | None = None
) -> list[PlanMembership]:
    """Invite creators to a targeted plan (also while it runs); a declined creator is asked
    again; a creator already invited or accepted keeps their standing."""
    if plan.kind != PlanKind.TARGETED.value:
        raise PlanNotJoinable("Only targeted plans take invitations.")
    if plan.has_ended:
        raise PlanEnded(plan.name)
    ids = check_creators(creator_ids)
    if not ids:
        raise NotACreator("Choose at least one creator to invite.", field="creators")
    existing = {
        m.creator_id: m
        for m in db.session.scalars(
            select(PlanMembership).where(
                PlanMembership.plan_id == plan.id, PlanMembership.creator_id.in_(ids)
            )
        )
    }
    memberships, asked = [], []
    for creator_id in ids:
        membership = existing.get(creator_id)
        if membership is None:
            membership = PlanMembership(
                plan_id=plan.id, creator_id=creator_id, status=MembershipStatus.INVITED.value
            )
            db.session.add(membership)
            asked.append(creator_id)
        elif MEMBERSHIP_STATES.can_move(membership, MembershipStatus.INVITED):
            MEMBERSHIP_STATES.move(membership, MembershipStatus.INVITED)
            membership.created_at = utcnow()
            membership.responded_at = None
            asked.append(creator_id)
        memberships.append(membership)
    notices.audit(plan, "invited", actor_id, reason=", ".join(f"#{i}" for i in ids))
    notices.invited(plan, asked)
    db.session.flush()
    return memberships


def respond_to_invitation(membership_id: int, creator_id: int, *, accept: bool) -> PlanMembership:
    """The addressed creator accepts or declines an invitation that waits for an answer."""
    membership = db.session.get(PlanMembership, membership_id)
    if membership is None:
        raise NotFound("That invitation does not exist.")
    if membership.creator_id != creator_id:
        raise NotInvited("That invitation is addressed to another creator.")
    answer = MembershipStatus.ACCEPTED if accept else MembershipStatus.DECLINED
    if not MEMBERSHIP_STATES.can_move(membership, answer):
        raise NotInvited(f"You already answered this invitation ({membership.status}).")
    if membership.plan.has_ended:
        raise PlanNotJoinable(f"“{membership.plan.name}” has ended.")
    MEMBERSHIP_STATES.move(membership, answer)
    membership.responded_at = utcnow()
    db.session.flush()
    if accept:
        signals.invitation_accepted.send(membership)
    return membership


# ---------------------------------------------------------------------------------------------
# Joining open plans
# ---------------------------------------------------------------------------------------------


def _check_joinable(plan: Plan, now: datetime) -> None:
    if plan.kind != PlanKind.OPEN.value:
        raise PlanNotJoinable("Only open plans can be joined; targeted plans are by invitation.")
    if plan.status == PlanStatus.PAUSED.value:
        raise PlanNotJoinable(f"“{plan.name}” is paused; it cannot be joined for now.")
    if plan.has_ended or (plan.ends_at is not None and plan.ends_at <= now):
        raise PlanNotJoinable(f"“{plan.name}” has ended.")
    if plan.starts_at > now:
        raise PlanNotJoinable(f"“{plan.name}” starts on {plan.starts_at:%d %b %Y}.")


def join_open_plan(plan_id: int, creator_id: int) -> PlanMembership:
    """Join an open plan that runs: at once, or pending when the seller approves joiners."""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound("That plan does not exist.")
    check_creators([creator_id])
    _check_joinable(plan, utcnow())
    membership = db.session.scalar(
        select(PlanMembership).where(
            PlanMembership.plan_id == plan.id, PlanMembership.creator_id == creator_id
        )
    )
    status = MembershipStatus.PENDING if plan.manual_approval else MembershipStatus.JOINED
    if membership is None:
        membership = PlanMembership(plan_id=plan.id, creator_id=creator_id, status=status.value)
        db.session.add(membership)
    elif membership.status == MembershipStatus.REJECTED.value:
        raise PlanNotJoinable(f"The seller declined your request to join “{plan.name}”.")
    elif membership.status not in (MembershipStatus.JOINED.value, MembershipStatus.PENDING.value):
        MEMBERSHIP_STATES.move(membership, status)  # joins again after leaving
        membership.created_at = utcnow()
        membership.responded_at = None
    if membership.status == MembershipStatus.JOINED.value and membership.responded_at is None:
        membership.responded_at = utcnow()
    db.session.flush()
    return membership


def add_to_showcase(creator_id: int, product_id: int) -> ShowcaseAddition:
    """Put a product in the creator's showcase, joining the open plan that applies; where
    that plan approves joiners, ask to join it: the product joins once the seller approves."""
    check_creators([creator_id])
    step = showcase.plan_addition(creator_id, product_id)
    if step.join_plan_id is not None:
        join_open_plan(step.join_plan_id, creator_id)
    return showcase.complete_addition(creator_id, step)


def decide_joiner(
    plan: Plan, membership_id: int, *, approve: bool, actor_id: int | None = None
) -> PlanMembership:
    """Approve or reject a creator waiting to join a plan with manual approval: approved, the
    products they asked to showcase through it join their showcase; rejected, they go."""
    membership = db.session.get(PlanMembership, membership_id)
    if membership is None or membership.plan_id != plan.id:
        raise NotFound("That request to join does not exist.")
    answer = MembershipStatus.JOINED if approve else MembershipStatus.REJECTED
    if not MEMBERSHIP_STATES.can_move(membership, answer):
        raise IllegalPlanTransition(
            "That request was already answered.",
            machine=MEMBERSHIP_STATES.name,
            current=membership.status,
            target=answer.value,
        )
    if plan.has_ended:
        raise PlanEnded(plan.name)
    MEMBERSHIP_STATES.move(membership, answer)
    membership.responded_at = utcnow()
    if approve:
        showcase.admit_requests(plan.id, membership.creator_id)
    else:
        showcase.drop_requests(plan.id, membership.creator_id)
    notices.audit(
        plan,
        "joiner_approved" if approve else "joiner_rejected",
        actor_id,
        reason=f"creator #{membership.creator_id}",
    )
    notices.joiner_decided(plan, membership.creator_id, approved=approve)
    db.session.flush()
    return membership
