"""Scheduled lives with reminders: a cover validated like any image, viewers' reminders (set,
unset, signed-out asked to sign in), notices 10 minutes before and when the creator goes live,
each sent once whatever the job does, and the upcoming lives on the creator's profile.

The job's clock is injected (``send_due(now)``), relative to the live's scheduled time.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import func, select

from affiliate.creators.content import lives, reminders
from affiliate.creators.content.jobs import send_live_reminders
from affiliate.creators.content.models import Content, LiveReminder
from core.accounts.models import Role
from core.extensions import db
from core.notifications.models import Notification
from core.types import utcnow
from tests.conftest import Auth, post_form
from tests.creators.factories import make_live, make_profile, showcase
from tests.factories import make_user
from tests.shop.factories import make_product


@pytest.fixture
def world(app_ctx):
    """Cleo showcases a serum and has scheduled a live in two hours; Bea and Otto watch."""
    cleo = make_profile(user_id=make_user(Role.CREATOR, email="cleo@example.com").id)
    cleo.handle, cleo.display_name = "cleo", "Cleo"
    serum = make_product(title="Glow serum", price=2000)
    showcase(cleo.user_id, serum)
    bea = make_user(email="bea@example.com")
    otto = make_user(email="otto@example.com")
    live = make_live(
        cleo.user_id,
        [serum],
        title="Glow routine",
        scheduled_at=utcnow() + timedelta(hours=2),
    )
    db.session.commit()
    return SimpleNamespace(cleo_id=cleo.user_id, serum=serum, bea=bea, otto=otto, live=live)


def _notices(user_id: int) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification.message)
            .where(Notification.user_id == user_id, Notification.kind == reminders.NOTICE_KIND)
            .order_by(Notification.id)
        )
    )


def _remind(*users) -> None:
    live = None
    for user in users:
        live = db.session.get(Content, user[1])
        reminders.set_reminder(user[0].id, live)
    db.session.commit()


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), (250, 204, 21)).save(out, format="PNG")
    return out.getvalue()


# ---------------------------------------------------------------------------- viewers


def test_signed_in_viewer_sets_a_reminder_once(client, world):
    Auth(client).login("bea@example.com")
    page = client.get(f"/live/{world.live.id}").get_data(as_text=True)
    assert "Remind me" in page
    for _ in range(2):
        assert post_form(client, f"/live/{world.live.id}/reminder").status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(func.count(LiveReminder.id))) == 1
    assert "Reminder set" in client.get(f"/live/{world.live.id}").get_data(as_text=True)


def test_viewer_unsets_the_reminder(client, world):
    Auth(client).login("bea@example.com")
    post_form(client, f"/live/{world.live.id}/reminder")
    assert post_form(client, f"/live/{world.live.id}/reminder/delete").status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(func.count(LiveReminder.id))) == 0


def test_signed_out_viewer_is_asked_to_sign_in(client, world):
    html = client.get(f"/live/{world.live.id}").get_data(as_text=True)
    assert "Sign in to set a reminder" in html
    assert "Remind me" not in html
    response = client.post(f"/live/{world.live.id}/reminder")
    assert response.status_code in (302, 303, 400, 401)
    assert db.session.scalar(select(func.count(LiveReminder.id))) == 0


def test_a_live_already_on_air_takes_no_reminder(client, world):
    lives.start_live(world.cleo_id, world.live.id)
    db.session.commit()
    Auth(client).login("bea@example.com")
    assert post_form(client, f"/live/{world.live.id}/reminder").status_code == 409
    db.session.rollback()
    assert db.session.scalar(select(func.count(LiveReminder.id))) == 0


def test_reminder_of_an_unknown_live_is_404(client, world):
    Auth(client).login("bea@example.com")
    assert post_form(client, "/live/999999/reminder").status_code == 404


# ---------------------------------------------------------------------------- notices


def test_soon_notice_goes_10_minutes_before_and_only_once(world):
    _remind((world.bea, world.live.id), (world.otto, world.live.id))
    start = world.live.scheduled_at
    assert reminders.send_due(start - timedelta(minutes=11)) == 0
    assert reminders.send_due(start - timedelta(minutes=10)) == 2
    assert reminders.send_due(start - timedelta(minutes=9)) == 0  # the job ran again
    db.session.commit()
    assert _notices(world.bea.id) == ["@cleo goes live in 10 minutes: “Glow routine”."]
    assert len(_notices(world.otto.id)) == 1


def test_no_soon_notice_once_the_time_has_passed(world):
    _remind((world.bea, world.live.id))
    assert reminders.send_due(world.live.scheduled_at + timedelta(minutes=1)) == 0


def test_going_live_sends_the_start_notice_once(world):
    _remind((world.bea, world.live.id))
    lives.start_live(world.cleo_id, world.live.id)
    db.session.commit()
    assert _notices(world.bea.id) == ["@cleo is live now: “Glow routine”. Tap to watch and shop."]
    assert reminders.send_due(utcnow()) == 0  # the job finds nothing left to send
    db.session.commit()
    assert len(_notices(world.bea.id)) == 1


def test_the_job_sends_a_start_notice_a_start_did_not(app, world):
    _remind((world.bea, world.live.id))
    live = db.session.get(Content, world.live.id)
    live.live_state, live.started_at = "live", utcnow()  # started without the hook
    db.session.commit()
    assert send_live_reminders() == 1
    assert send_live_reminders() == 0
    assert len(_notices(world.bea.id)) == 1


def test_both_notices_each_once_in_order(world):
    _remind((world.bea, world.live.id))
    start = world.live.scheduled_at
    reminders.send_due(start - timedelta(minutes=5))
    lives.start_live(world.cleo_id, world.live.id, now=start)
    reminders.send_due(start + timedelta(minutes=1))
    db.session.commit()
    notices = _notices(world.bea.id)
    assert [n.split(":")[0] for n in notices] == [
        "@cleo goes live in 10 minutes",
        "@cleo is live now",
    ]


def test_unset_reminder_gets_no_notice(world):
    _remind((world.bea, world.live.id))
    reminders.unset_reminder(world.bea.id, world.live)
    db.session.commit()
    assert reminders.send_due(world.live.scheduled_at - timedelta(minutes=10)) == 0
    lives.start_live(world.cleo_id, world.live.id)
    db.session.commit()
    assert _notices(world.bea.id) == []


def test_the_job_is_registered_every_minute(app):
    from core.jobs import periodic_jobs

    found = {job.func_path: job for job in periodic_jobs(app)}
    job = found["affiliate.creators.content.jobs.send_live_reminders"]
    assert job.interval == 60


# ---------------------------------------------------------------------------- cover and profile


def _schedule(client, world, cover):
    start = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "title": "Evening routine",
        "scheduled_at": start,
        "stream_url": "https://stream.example.com/cleo",
        "product_ids": [str(world.serum.id)],
        "cover": cover,
    }
    return post_form(client, "/creator/lives/new", data, content_type="multipart/form-data")


def test_schedule_with_a_cover_stores_it_re_encoded(app, client, world):
    Auth(client).login("cleo@example.com")
    response = _schedule(client, world, (BytesIO(_png()), "cover.png"))
    assert response.status_code == 303
    live = db.session.scalars(select(Content).where(Content.title == "Evening routine")).one()
    assert live.poster_path.endswith(".webp")
    assert (Path(app.config["UPLOAD_DIR"]) / live.poster_path).is_file()


def test_a_cover_that_is_not_an_image_is_refused(client, world):
    Auth(client).login("cleo@example.com")
    response = _schedule(client, world, (BytesIO(b"not an image at all"), "cover.png"))
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(Content.id).where(Content.title == "Evening routine")) is None


def test_profile_lists_upcoming_lives_and_asks_signed_out_viewers_to_sign_in(client, world):
    make_live(world.cleo_id, [world.serum], title="Old one", state="ended")
    html = client.get("/creators/cleo").get_data(as_text=True)
    assert "Upcoming lives" in html
    assert "Glow routine" in html
    assert "Old one" not in html
    assert "Sign in to set a reminder" in html
    Auth(client).login("bea@example.com")
    assert "Remind me" in client.get("/creators/cleo").get_data(as_text=True)


def test_two_runs_at_once_send_each_notice_once(app, world, postgres_only):
    """Two job runs racing on PostgreSQL: the guarded UPDATE lets one take each reminder."""
    _remind((world.bea, world.live.id), (world.otto, world.live.id))
    at = world.live.scheduled_at - timedelta(minutes=5)
    bea_id, otto_id = world.bea.id, world.otto.id
    db.session.remove()
    barrier = threading.Barrier(2, timeout=30)
    sent: list[int] = []

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait()
                sent.append(reminders.send_due(at))
                db.session.commit()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(sent) in ([0, 2], [1, 1])
    assert len(_notices(bea_id)) == 1
    assert len(_notices(otto_id)) == 1
