from core.accounts.models import Role
from tests.conftest import Auth
from tests.factories import make_user


def test_home_page_says_what_the_platform_is(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "yellow cart" in response.get_data(as_text=True)


def test_signed_in_creator_sees_creator_centre_in_navigation(app_ctx, client):
    make_user(Role.CREATOR, email="c@example.com")
    response = Auth(client).login("c@example.com")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Creator centre" in page
    assert "Seller centre" not in page


def test_a_second_client_does_not_share_the_first_clients_sign_in(app, app_ctx, client):
    make_user(Role.CREATOR, email="c@example.com")
    assert Auth(client).login("c@example.com").status_code == 302
    assert client.get("/account").status_code == 200
    assert app.test_client().get("/account").status_code == 302
