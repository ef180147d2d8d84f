"""Mail about withdrawals and payout accounts: to the creator, and to finance for four eyes."""

from __future__ import annotations

from affiliate.payouts import services
from core.extensions import db
from core.mail import services as mail_services
from tests.payouts.helpers import connect, make_creator, officer, token

THRESHOLD = 100_000


def request(creator, amount=10_000):
    w = services.request_withdrawal(creator.id, amount, request_token=token())
    db.session.commit()
    return w


def subjects(mailbox, email):
    return [m.subject for m in mailbox.to(email)]


def test_requesting_a_withdrawal_mails_the_creator(app_ctx, mailbox):
    creator = make_creator(balance=20_000)
    w = request(creator)
    mail = mailbox.last(creator.email)
    assert mail.subject == "Your withdrawal request is received"
    assert f"#{w.id}" in mail.text
    assert "You receive: $98.00" in mail.text
    assert mail.unsubscribe_url is None  # a notice about the creator's own money


def test_a_paid_withdrawal_is_mailed_once(app_ctx, mailbox):
    creator = make_creator(balance=20_000)
    w = request(creator)
    services.approve(w.id, officer())
    db.session.commit()  # the payout job runs in-process after the commit
    assert subjects(mailbox, creator.email).count("Your withdrawal is paid") == 1


def test_a_failed_withdrawal_is_mailed(app_ctx, mailbox):
    creator = make_creator(balance=20_000, last4="0002")  # the simulated bank declines it
    w = request(creator)
    services.approve(w.id, officer())
    db.session.commit()
    assert "Your withdrawal could not be paid" in subjects(mailbox, creator.email)


def test_a_creator_who_turned_withdrawal_mail_off_gets_none(app_ctx, mailbox):
    creator = make_creator(balance=20_000)
    mail_services.set_preferences(creator.id, set())
    request(creator)
    assert "Your withdrawal request is received" not in subjects(mailbox, creator.email)


def test_the_first_of_two_approvals_mails_the_other_finance_officers(app_ctx, mailbox):
    creator = make_creator(balance=THRESHOLD * 2)
    first, second, third = officer(), officer(), officer()
    w = request(creator, THRESHOLD + 100)
    services.approve(w.id, first)
    db.session.commit()
    expected = f"Withdrawal #{w.id} needs a second approval"
    assert subjects(mailbox, second.email) == [expected]
    assert subjects(mailbox, third.email) == [expected]
    assert mailbox.to(first.email) == []
    assert f"/finance/withdrawals/{w.id}" in mailbox.last(second.email).text


def test_a_withdrawal_below_the_threshold_mails_no_officer(app_ctx, mailbox):
    creator = make_creator(balance=20_000)
    other = officer()
    w = request(creator)
    services.approve(w.id, officer())
    db.session.commit()
    assert mailbox.to(other.email) == []


def test_replacing_the_payout_account_mails_a_security_notice(app_ctx, mailbox):
    creator = make_creator(last4="6789")
    assert mailbox.to(creator.email) == []  # connecting the first account is no change
    mail_services.set_preferences(creator.id, set())  # security mail comes regardless
    connect(creator, last4="4321")
    mail = mailbox.last(creator.email)
    assert mail.subject == "Your Yellowcart payout account was changed"
    assert "6789" in mail.text
    assert "4321" in mail.text
    assert mail.unsubscribe_url is None
