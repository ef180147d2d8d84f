"""Opening and editing a store."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.accounts.models import Role, User
from core.audit.models import AuditEvent
from core.extensions import db
from shop.catalog.models import Store
from tests.conftest import Auth, post_form
from tests.factories import make_user
from tests.shop.catalog.helpers import counts, files_in, png, upload
from tests.shop.factories import make_product, make_store


@pytest.fixture
def member(app_ctx, client) -> int:
    """A signed-in buyer without a store."""
    user = make_user(Role.BUYER, email="member@example.com")
    assert Auth(client).login(user.email).status_code == 302
    return user.id


def open_store(client, **fields):
    data = {
        "name": "Glow Lab",
        "handle": "glow-lab",
        "description": "Clean skincare.",
        "currency": "USD",
        "return_address": "1 Return Road",
        **fields,
    }
    return post_form(client, "/seller/store/new", data, content_type="multipart/form-data")


def roles(user_id: int) -> set[str]:
    db.session.expire_all()
    return {r.role for r in db.session.get(User, user_id).roles}


def test_account_page_links_open_a_store_to_the_store_form(member, client):
    page = client.get("/account").get_data(as_text=True)

    assert 'href="/seller/store/new"' in page
    assert "Open a store" in page


def test_opening_a_store_grants_the_seller_role(member, client):
    response = open_store(client)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/seller/products")
    assert roles(member) == {"buyer", "seller"}
    store = db.session.scalars(select(Store)).one()
    assert (store.owner_id, store.handle, store.currency) == (member, "glow-lab", "USD")
    assert client.get("/seller/products").status_code == 200


def test_opening_a_store_is_audited(member, client):
    open_store(client)

    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["role_added", "store_opened"]


def test_store_logo_and_banner_are_stored_as_webp(member, client, uploads):
    open_store(client, logo=upload(png((500, 500))), banner=upload(png((2000, 600))))

    store = db.session.scalars(select(Store)).one()
    assert store.logo_path.endswith(".webp")
    assert store.banner_path.endswith(".webp")
    assert len(files_in(uploads)) == 2
    served = client.get(f"/media/{store.logo_path}")
    served.close()
    assert served.status_code == 200
    assert served.mimetype == "image/webp"


def test_handle_is_unique_whatever_its_case(member, client, app_ctx):
    make_store(handle="glow-lab")

    response = open_store(client, handle="Glow-Lab")

    assert response.status_code == 400
    assert "is taken" in response.get_data(as_text=True)
    assert counts()["store"] == 1
    assert roles(member) == {"buyer"}


@pytest.mark.parametrize("handle", ["ab", "glow lab", "glow_lab", "-glow", "x" * 41, "new"])
def test_bad_handle_is_refused(member, client, handle):
    response = open_store(client, handle=handle)

    assert response.status_code == 400
    assert counts()["store"] == 0
    assert roles(member) == {"buyer"}


def test_empty_handle_is_suggested_from_the_name(member, client):
    open_store(client, name="Café Crème & Co", handle="")

    assert db.session.scalars(select(Store.handle)).one() == "cafe-creme-co"


def test_a_second_store_is_refused(member, client):
    open_store(client)

    response = open_store(client, name="Another", handle="another-one")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/seller/store")
    assert counts()["store"] == 1


def test_opening_a_store_needs_sign_in(client):
    response = client.get("/seller/store/new")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_non_image_logo_is_refused_and_nothing_is_written(member, client, uploads):
    response = open_store(client, logo=upload(b"MZ not an image at all", "logo.png"))

    assert response.status_code == 400
    assert "not an image we accept" in response.get_data(as_text=True)
    assert counts()["store"] == 0
    assert files_in(uploads) == []


def test_seller_edits_the_store(seller, client):
    response = post_form(
        client,
        "/seller/store",
        {
            "name": "Glow Lab Pro",
            "handle": "glow-pro",
            "description": "New",
            "currency": "EUR",
            "return_address": "2 Road",
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    db.session.expire_all()
    store = db.session.get(Store, seller.store_id)
    assert (store.name, store.handle, store.currency) == ("Glow Lab Pro", "glow-pro", "EUR")


def test_currency_cannot_change_once_the_store_has_products(seller, client):
    make_product(db.session.get(Store, seller.store_id))

    response = post_form(
        client,
        "/seller/store",
        {"name": "Glow Lab", "handle": "glow-lab", "currency": "EUR"},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Store, seller.store_id).currency == "USD"


def test_a_new_logo_replaces_the_old_file(seller, client, uploads):
    def save_logo():
        return post_form(
            client,
            "/seller/store",
            {"name": "Glow Lab", "handle": "glow-lab", "currency": "USD", "logo": upload(png())},
            content_type="multipart/form-data",
        )

    save_logo()
    first = files_in(uploads)
    save_logo()

    assert len(first) == 1
    assert len(files_in(uploads)) == 1
    assert files_in(uploads) != first


def test_seller_without_a_store_sees_an_invitation_to_open_one(app_ctx, client):
    user = make_user(Role.SELLER, email="new-seller@example.com")
    Auth(client).login(user.email)

    home = client.get("/seller/").get_data(as_text=True)
    store_page = client.get("/seller/store").get_data(as_text=True)
    products_page = client.get("/seller/products").get_data(as_text=True)

    assert "Your store is not open yet" in home
    assert 'href="/seller/store/new"' in store_page
    assert 'href="/seller/store/new"' in products_page


def test_seller_with_a_store_sees_no_invitation(seller, client):
    home = client.get("/seller/").get_data(as_text=True)

    assert "Your store is not open yet" not in home


@pytest.mark.parametrize(
    "path", ["/seller/", "/seller/store", "/seller/products", "/seller/orders", "/seller/creators"]
)
def test_every_seller_centre_page_links_to_the_public_store(seller, client, path):
    page = client.get(path).get_data(as_text=True)

    assert '<a class="nav-link" href="/seller/store/view">View your store</a>' in page


def test_view_your_store_opens_the_store_as_buyers_see_it(seller, client):
    response = client.get("/seller/store/view")

    assert response.status_code == 302
    assert response.headers["Location"] == "/s/glow-lab"
    assert client.get("/s/glow-lab").status_code == 200


def test_view_your_store_without_a_store_invites_to_open_one(app_ctx, client):
    user = make_user(Role.SELLER, email="new-seller@example.com")
    Auth(client).login(user.email)

    response = client.get("/seller/store/view", follow_redirects=True)

    assert response.request.path == "/seller/store/new"
    assert "Open your store first; then buyers can visit it." in response.get_data(as_text=True)
