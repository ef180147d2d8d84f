"""Plans mail creators: invitations and the answer to a join request (once each)."""

from __future__ import annotations

import pytest

from affiliate.plans import memberships
from affiliate.plans.models import MembershipStatus, PlanKind
from core.accounts.models import Role
from core.extensions import db
from core.mail import services as mail_services
from core.mail.models import MailCategory
from tests.creators.factories import make_plan, member
from tests.factories import make_user
from tests.shop.factories import make_product, make_store


@pytest.fixture
def product(app_ctx):
    return make_product(make_store(name="Glow Lab"), title="Glow serum")


def test_an_invitation_is_mailed_once(product, mailbox):
    creator = make_user(Role.CREATOR)
    plan = make_plan(product.store, PlanKind.TARGETED, "Spring", 2500, [product])
    memberships.invite(plan, [creator.id])
    memberships.invite(plan, [creator.id])
    db.session.commit()
    (mail,) = mailbox.to(creator.email)
    assert mail.subject == "Invitation: Spring"
    assert "Glow Lab invited you to “Spring”" in mail.text
    assert "/creator/invitations" in mail.text
    assert "/mail/unsubscribe/" in mail.text


def test_the_answer_to_a_join_request_is_mailed(product, mailbox):
    creator = make_user(Role.CREATOR)
    plan = make_plan(product.store, PlanKind.OPEN, "Everyday", 1500, [product])
    waiting = member(plan, creator.id, MembershipStatus.PENDING)
    memberships.decide_joiner(plan, waiting.id, approve=False)
    db.session.commit()
    assert mailbox.last(creator.email).subject == "Your request to join Everyday was declined"


def test_a_creator_who_unsubscribed_from_plan_mail_gets_no_invitation(product, mailbox):
    creator = make_user(Role.CREATOR)
    mail_services.unsubscribe(creator.id, MailCategory.PLANS)
    plan = make_plan(product.store, PlanKind.TARGETED, "Spring", 2500, [product])
    memberships.invite(plan, [creator.id])
    db.session.commit()
    assert mailbox.to(creator.email) == []
