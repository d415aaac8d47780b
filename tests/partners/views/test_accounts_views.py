"""Account pages through the web: sign-up with its field errors, the confirmation link,
resending it, login of unconfirmed accounts, password reset."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from partners.choices import AccountType
from partners.forms.accounts import LoginForm
from partners.models import User
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Bl0k-rem-Ceper!"
SIGNUP = reverse("partners:signup")


@pytest.fixture(autouse=True)
def empty_cache():
    """The resend throttle counts in the cache: each test starts without earlier sends."""
    cache.clear()
    yield
    cache.clear()


def signup_data(**overrides):
    data = {
        "account_type": AccountType.IKM_OWNER,
        "name": "Sri Wahyuni",
        "email": "sri@logamceper.id",
        "username": "sri.ceper",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "privacy_accepted": "on",
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not None}


def link_in(message) -> str:
    """The path of the first absolute link in an e-mail."""
    url = re.search(r"https?://\S+", message.body).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def without_token(response, email: str) -> str:
    """A page's HTML without its CSRF token and with the address typed blanked out."""
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(re.escape(email), "X", html, flags=re.IGNORECASE)


def field_errors(response, field: str) -> list[str]:
    return [str(error) for error in response.context["form"].errors.get(field, [])]


# --- sign-up ----------------------------------------------------------------------------------


def test_signup_page_offers_both_roles_and_the_privacy_notice(client):
    response = client.get(SIGNUP)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="ikm_owner"' in html and 'value="manufacturer"' in html
    assert 'id="privacy-notice"' in html
    assert 'name="privacy_accepted"' in html


def test_signup_then_the_emailed_link_activates_logs_in_and_leads_an_ikm_owner_to_registration(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP, signup_data())

    assert response.status_code == 302
    assert response.url == reverse("partners:signup_done")
    user = User.objects.get(username="sri.ceper")
    assert not user.is_active
    assert "sri@logamceper.id" in client.get(response.url).content.decode()
    assert len(mail.outbox) == 1

    response = client.get(link_in(mail.outbox[0]))

    assert response.status_code == 302
    assert response.url == reverse("partners:register")
    user.refresh_from_db()
    assert user.is_active and user.email_confirmed_at is not None
    assert client.session[SESSION_KEY] == str(user.pk)


def test_a_confirmed_manufacturer_representative_lands_on_the_company_page(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_data(account_type=AccountType.MANUFACTURER))

    response = client.get(link_in(mail.outbox[0]))

    assert response.url == reverse("partners:company")


def test_the_confirmation_link_works_once(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_data())
    link = link_in(mail.outbox[0])
    client.get(link)
    client.logout()

    response = client.get(link)

    assert response.status_code == 400
    assert 'id="confirm-invalid"' in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_mangled_confirmation_link_shows_what_to_do_and_activates_nothing(client):
    user = UserFactory(is_active=False)

    response = client.get(
        reverse("partners:confirm_email", kwargs={"uidb64": "MQ", "token": "abc-def"})
    )

    assert response.status_code == 400
    assert reverse("partners:resend_confirmation") in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active


def assert_kept_typed_values(response, data):
    html = response.content.decode()
    for field in ("name", "email", "username"):
        if data.get(field):
            assert f'value="{data[field]}"' in html
    assert PASSWORD not in html  # passwords are never sent back


def test_signup_with_an_email_already_used_answers_as_for_a_new_one_and_tells_its_owner(
    client, django_capture_on_commit_callbacks
):
    UserFactory(username="lama", email="sri@logamceper.id")

    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(SIGNUP, signup_data(email="SRI@LogamCeper.id"))
    taken_page = client.get(taken.url)
    client.session.flush()
    with django_capture_on_commit_callbacks(execute=True):
        fresh = client.post(SIGNUP, signup_data(email="SRI@LogamBaru.id", username="baru.ceper"))
    fresh_page = client.get(fresh.url)

    # Same redirect, same page (but for the address typed, shown back as typed).
    assert taken.status_code == fresh.status_code == 302
    assert taken.url == fresh.url == reverse("partners:signup_done")
    assert without_token(taken_page, "SRI@logamceper.id") == without_token(
        fresh_page, "SRI@logambaru.id"
    )
    # No second account; the owner of the address is told, the newcomer confirms.
    assert not User.objects.filter(username="sri.ceper").exists()
    assert User.objects.filter(email__iexact="sri@logamceper.id").count() == 1
    assert [message.to for message in mail.outbox] == [
        ["sri@logamceper.id"],
        ["SRI@logambaru.id"],
    ]
    notice = mail.outbox[0]
    assert "Seseorang" in notice.body or "Someone" in notice.body
    assert "/accounts/password/reset/" in notice.body
    assert "/accounts/confirm/" not in notice.body


def test_signup_with_a_username_differing_only_in_case_gets_a_field_error(client):
    UserFactory(username="staff", email="staff@kemenperin.go.id")

    response = client.post(SIGNUP, signup_data(username="Staff", email="baru@logamceper.id"))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["username"]
    assert not User.objects.filter(username="Staff").exists()


def test_signup_with_a_weak_password_says_why_next_to_the_password(client):
    data = signup_data(password="12345678", password_confirm="12345678")

    response = client.post(SIGNUP, data)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["password"]
    assert len(field_errors(response, "password")) >= 2  # too common, entirely numeric
    assert 'class="form-control is-invalid"' in response.content.decode()
    assert_kept_typed_values(response, data)
    assert not User.objects.exists()


def test_signup_without_a_role_asks_for_one(client):
    data = signup_data(account_type=None)

    response = client.post(SIGNUP, data)

    assert list(response.context["form"].errors) == ["account_type"]
    assert_kept_typed_values(response, data)
    assert not User.objects.exists()


def test_signup_without_accepting_the_privacy_notice_is_refused(client):
    data = signup_data(privacy_accepted=None)

    response = client.post(SIGNUP, data)

    assert list(response.context["form"].errors) == ["privacy_accepted"]
    assert_kept_typed_values(response, data)
    assert not User.objects.exists()


def test_signup_with_two_different_passwords_says_so_at_the_second(client):
    response = client.post(SIGNUP, signup_data(password_confirm=PASSWORD + "x"))

    assert list(response.context["form"].errors) == ["password_confirm"]
    assert not User.objects.exists()


def test_signup_reports_all_bad_fields_in_one_round(client):
    UserFactory(username="sri.ceper", email="sri@logamceper.id")

    response = client.post(
        SIGNUP,
        signup_data(account_type=None, privacy_accepted=None, password="123", password_confirm="1"),
    )

    assert set(response.context["form"].errors) == {
        "account_type",
        "username",
        "password",
        "password_confirm",
        "privacy_accepted",
    }


def test_signup_sent_twice_creates_one_account_and_both_answers_say_check_your_email(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(SIGNUP, signup_data())
        second = client.post(SIGNUP, signup_data())

    assert first.url == second.url == reverse("partners:signup_done")
    assert User.objects.count() == 1
    assert len(mail.outbox) == 1


def test_someone_else_taking_a_used_username_gets_a_field_error(client):
    UserFactory(username="sri.ceper", email="lain@example.id")

    response = client.post(SIGNUP, signup_data())

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["username"]


def test_signup_in_english_answers_in_english(client):
    client.cookies["django_language"] = "en"

    response = client.post(SIGNUP, signup_data(privacy_accepted=None))

    assert "Please read and accept the privacy notice" in response.content.decode()


def test_a_signed_in_user_is_sent_on_instead_of_signing_up_again(client):
    client.force_login(UserFactory())

    response = client.get(SIGNUP)

    assert response.status_code == 302


# --- login of an unconfirmed account ----------------------------------------------------------


def unconfirmed_user() -> User:
    user = UserFactory(username="belum", is_active=False, account_type=AccountType.IKM_OWNER)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_an_unconfirmed_account_cannot_log_in(client):
    unconfirmed_user()

    response = client.post(reverse("login"), {"username": "belum", "password": PASSWORD})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert not client.login(username="belum", password=PASSWORD)


def login_form(username: str, password: str) -> LoginForm:
    request = RequestFactory().post(reverse("login"))
    return LoginForm(request=request, data={"username": username, "password": password})


def test_login_form_tells_an_unconfirmed_account_to_confirm_its_address():
    unconfirmed_user()

    form = login_form("belum", PASSWORD)

    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["__all__"]] == ["unconfirmed"]
    assert form.awaiting_confirmation


def test_login_form_with_a_wrong_password_for_an_unconfirmed_account_reveals_nothing():
    unconfirmed_user()

    form = login_form("belum", "wrong-password")

    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["__all__"]] == ["invalid_login"]
    assert not form.awaiting_confirmation


def test_login_form_does_not_call_an_account_deactivated_after_confirmation_unconfirmed():
    user = unconfirmed_user()
    User.objects.filter(pk=user.pk).update(email_confirmed_at=timezone.now())

    form = login_form("belum", PASSWORD)

    assert [error.code for error in form.errors.as_data()["__all__"]] == ["invalid_login"]


def test_login_form_lets_a_confirmed_account_in():
    user = UserFactory(email_confirmed_at=timezone.now())
    user.set_password(PASSWORD)
    user.save()

    form = login_form(user.username, PASSWORD)

    assert form.is_valid()
    assert form.get_user() == user


def test_login_page_links_to_sign_up_and_password_reset(client):
    html = client.get(reverse("login")).content.decode()

    assert reverse("partners:signup") in html
    assert reverse("partners:password_reset") in html


# --- resending the confirmation ---------------------------------------------------------------


RESEND = reverse("partners:resend_confirmation")


def test_resend_mails_a_new_working_link_to_an_unconfirmed_account(
    client, django_capture_on_commit_callbacks
):
    user = unconfirmed_user()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESEND, {"email": user.email.upper()}, follow=True)

    assert response.redirect_chain == [(RESEND, 302)]
    assert len(mail.outbox) == 1
    client.get(link_in(mail.outbox[0]))
    user.refresh_from_db()
    assert user.is_active


def test_resend_answers_the_same_for_an_unknown_address_and_sends_nothing(
    client, django_capture_on_commit_callbacks
):
    user = unconfirmed_user()
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(RESEND, {"email": user.email}, follow=True)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post(RESEND, {"email": "siapa@example.id"}, follow=True)

    assert mail.outbox == []
    assert [str(m) for m in known.context["messages"]] == [
        str(m) for m in unknown.context["messages"]
    ]


def test_resend_with_a_malformed_address_says_so_next_to_the_field(client):
    response = client.post(RESEND, {"email": "bukan-email"})

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert 'value="bukan-email"' in response.content.decode()


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_round_trip(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="budi@pabrik.id", email_confirmed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):  # the worker sends it after commit
        response = client.post(reverse("partners:password_reset"), {"email": "BUDI@pabrik.id"})

    assert response.url == reverse("partners:password_reset_done")
    assert len(mail.outbox) == 1
    link = link_in(mail.outbox[0])
    response = client.get(link)  # Django moves the token into the session
    assert response.status_code == 302
    set_password_url = response.url
    response = client.post(
        set_password_url, {"new_password1": "Baru-Sekali-9", "new_password2": "Baru-Sekali-9"}
    )
    assert response.url == reverse("partners:password_reset_complete")
    assert client.login(username=user.username, password="Baru-Sekali-9")
    client.logout()
    assert client.get(link, follow=True).context["validlink"] is False


def test_password_reset_with_mismatched_passwords_stays_on_the_form(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="budi@pabrik.id")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("partners:password_reset"), {"email": "budi@pabrik.id"})
    set_password_url = client.get(link_in(mail.outbox[0])).url

    response = client.post(
        set_password_url, {"new_password1": "Baru-Sekali-9", "new_password2": "Lain-Sekali-9"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post(reverse("partners:password_reset"), {"email": "siapa@example.id"})

    assert response.url == reverse("partners:password_reset_done")
    assert mail.outbox == []


def test_password_reset_pages_render(client):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(f"partners:{name}")).status_code == 200
    response = client.get(
        reverse("partners:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "x-y"})
    )
    assert 'id="password-reset-invalid"' in response.content.decode()


def test_login_page_with_the_login_form_offers_a_new_link_to_an_unconfirmed_account(rf):
    """What the login page shows once the login view uses ``LoginForm``."""
    unconfirmed_user()
    request = rf.post(reverse("login"))
    form = LoginForm(request=request, data={"username": "belum", "password": PASSWORD})
    form.is_valid()

    html = render_to_string("registration/login.html", {"form": form}, request=request)

    assert 'id="resend-confirmation-link"' in html
    assert reverse("partners:resend_confirmation") in html


def test_password_reset_answers_the_same_whether_or_not_the_address_has_an_account(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="budi@pabrik.id")
    reset = reverse("partners:password_reset")

    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after commit
        known = client.post(reset, {"email": "BUDI@pabrik.id"})
        unknown = client.post(reset, {"email": "tidak.ada@pabrik.id"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("partners:password_reset_done")
    assert without_token(client.get(known.url), "-") == without_token(client.get(unknown.url), "-")
    assert [message.to for message in mail.outbox] == [["budi@pabrik.id"]]
