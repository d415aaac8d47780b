"""Notification pages: the list (unread first, own only), opening one, marking one (HTMX
and plain) or all read, the e-mail settings form, the navbar bell with its unread count and
the self-service menu, and who may open what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matchmaking.partnerships import notices as matching_notices
from partners import notices
from partners import notifications as service
from partners.choices import AccountType
from partners.models import Notification, NotificationSetting
from partners.notification_kinds import registered_kinds
from tests.partners.factories import ManufacturerFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("partners:notifications")
SETTINGS = reverse("partners:notification_settings")
READ_ALL = reverse("partners:notifications_read_all")
PROCESSOR = "partners.context_processors.notifications"


@pytest.fixture(autouse=True)
def bell_context(settings):
    """The navbar's context processor (the lead adds it to settings.py)."""
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    if PROCESSOR not in processors:
        settings.TEMPLATES = [
            {
                **settings.TEMPLATES[0],
                "OPTIONS": {
                    **settings.TEMPLATES[0]["OPTIONS"],
                    "context_processors": [*processors, PROCESSOR],
                },
            }
        ]


@pytest.fixture
def owner(db):
    user = UserFactory(username="bambang", account_type=AccountType.IKM_OWNER)
    SupplierFactory(owner=user, legal_name="CV Ceper Logam Utama")
    return user


def stage_changed(user, *, demand="Blok rem metalik", url="/inbox/"):
    return service.notify(
        user=user,
        kind=matching_notices.STAGE_CHANGED,
        params={
            "supplier": "CV Ceper Logam Utama",
            "manufacturer": "PT INKA",
            "demand": demand,
            "stage": {"id": "sudah diperkenalkan", "en": "introduced"},
        },
        url=url,
    )


def html(response) -> str:
    return response.content.decode()


# --- access ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, owner):
    notification = stage_changed(owner)
    urls = [
        LIST,
        SETTINGS,
        reverse("partners:notification_open", args=[notification.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for url in (READ_ALL, reverse("partners:notification_read", args=[notification.pk])):
        assert client.post(url).status_code == 302
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_another_users_notification_is_404_and_stays_unread(client, owner):
    notification = stage_changed(owner)
    client.force_login(UserFactory(username="intruder"))

    assert (
        client.get(reverse("partners:notification_open", args=[notification.pk])).status_code == 404
    )
    assert (
        client.post(reverse("partners:notification_read", args=[notification.pk])).status_code
        == 404
    )
    client.post(READ_ALL)

    assert Notification.objects.get(pk=notification.pk).read_at is None
    assert "Blok rem metalik" not in html(client.get(LIST))


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_unread_first_in_the_readers_language(client, owner):
    read = stage_changed(owner, demand="Lama")
    service.notification_mark_read(user=owner, notification_id=read.pk)
    stage_changed(owner, demand="Baru")
    client.force_login(owner)

    indonesian = html(client.get(LIST))

    assert indonesian.index("Baru") < indonesian.index("Lama")
    assert "sudah diperkenalkan" in indonesian
    assert 'data-unread="true"' in indonesian and 'data-unread="false"' in indonesian


def test_the_list_in_english_uses_the_english_parameters(client, owner, settings):
    stage_changed(owner)
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    body = html(client.get(LIST))

    assert "“introduced”" in body and "sudah diperkenalkan" not in body


def test_an_empty_list_says_so(client, owner):
    client.force_login(owner)

    assert 'id="notifications-empty"' in html(client.get(LIST))


def test_the_list_pages_and_runs_a_bounded_number_of_queries(
    client, owner, django_assert_max_num_queries
):
    for number in range(60):
        stage_changed(owner, demand=f"Permintaan {number}")
    client.force_login(owner)

    with django_assert_max_num_queries(10):
        response = client.get(LIST)

    assert len(response.context["page_obj"].object_list) == 25
    assert response.context["page_obj"].paginator.num_pages == 3


# --- reading --------------------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, owner):
    notification = stage_changed(owner, url="/inbox/7/")
    client.force_login(owner)

    response = client.get(reverse("partners:notification_open", args=[notification.pk]))

    assert response.status_code == 302 and response.url == "/inbox/7/"
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_a_notification_pointing_off_site_goes_back_to_the_list(client, owner):
    notification = stage_changed(owner, url="https://evil.example/phish")
    client.force_login(owner)

    response = client.get(reverse("partners:notification_open", args=[notification.pk]))

    assert response.url == LIST


def test_marking_one_read_with_htmx_returns_the_item_and_the_new_bell_count(client, owner):
    first, second = stage_changed(owner), stage_changed(owner)
    client.force_login(owner)

    response = client.post(reverse("partners:notification_read", args=[first.pk]), **HTMX)

    assert response.status_code == 200
    body = html(response)
    assert f'id="notification-{first.pk}"' in body and 'data-unread="false"' in body
    assert 'hx-swap-oob="true"' in body and 'data-count="1"' in body
    assert Notification.objects.get(pk=second.pk).read_at is None


def test_marking_one_read_without_htmx_goes_back_to_the_list(client, owner):
    notification = stage_changed(owner)
    client.force_login(owner)

    response = client.post(reverse("partners:notification_read", args=[notification.pk]))

    assert response.status_code == 302 and response.url == LIST
    assert service.unread_count(user=owner) == 0


def test_mark_all_read_empties_the_bell(client, owner):
    stage_changed(owner)
    stage_changed(owner)
    client.force_login(owner)
    assert 'data-count="2"' in html(client.get(LIST))

    response = client.post(READ_ALL, follow=True)

    assert service.unread_count(user=owner) == 0
    assert 'id="nav-notification-count"' not in html(response)
    assert "alert-success" in html(response)


def test_reading_needs_post(client, owner):
    notification = stage_changed(owner)
    client.force_login(owner)

    assert (
        client.get(reverse("partners:notification_read", args=[notification.pk])).status_code == 405
    )
    assert client.get(READ_ALL).status_code == 405


# --- settings -------------------------------------------------------------------------------


def test_the_settings_form_shows_a_switch_per_kind_all_on_by_default(client, owner):
    client.force_login(owner)

    body = html(client.get(SETTINGS))

    for kind in registered_kinds():
        assert f'name="{kind.value}"' in body
    assert body.count(" checked aria-describedby") == len(registered_kinds())


def test_saving_the_settings_turns_email_off_for_the_unticked_kinds(client, owner):
    client.force_login(owner)
    ticked = {
        kind.value: "on" for kind in registered_kinds() if kind != matching_notices.STAGE_CHANGED
    }

    response = client.post(SETTINGS, ticked)
    again = client.post(SETTINGS, ticked, follow=True)

    assert response.status_code == 302 and response.url == SETTINGS
    assert NotificationSetting.objects.filter(user=owner).count() == len(registered_kinds())
    assert not service.email_wanted(user=owner, kind=matching_notices.STAGE_CHANGED)
    assert service.email_wanted(user=owner, kind=matching_notices.NEW_INTRODUCTION)
    assert 'name="stage_changed"' in html(again)
    assert "alert-success" in html(again)


def test_a_manufacturers_member_gets_only_the_switches_that_concern_them(client):
    member = UserFactory(username="rina", account_type=AccountType.MANUFACTURER)
    ManufacturerFactory().members.add(member)
    NotificationSetting.objects.create(
        user=member, kind=matching_notices.DEMAND_CHANGED, email=False
    )
    client.force_login(member)

    body = html(client.get(SETTINGS))
    client.post(SETTINGS, {})  # everything the member sees turned off

    assert 'name="certificate_expiring"' not in body and 'name="new_introduction"' in body
    assert not service.email_wanted(user=member, kind=matching_notices.NEW_INTRODUCTION)
    # a switch the member never saw is untouched
    assert service.email_wanted(user=member, kind=notices.CERTIFICATE_EXPIRING)


# --- the navbar -----------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_to_partners_and_not_to_staff(client, owner):
    stage_changed(owner)
    staff = UserFactory(username="sri", is_staff=True)
    stage_changed(staff)

    client.force_login(owner)
    partner_home = html(client.get(reverse("home")))
    client.force_login(staff)
    staff_home = html(client.get(reverse("home")))

    assert 'id="nav-notifications"' in partner_home and 'data-count="1"' in partner_home
    assert 'id="nav-notifications"' not in staff_home


def test_the_ikm_owner_gets_opportunities_and_the_manufacturer_proposed_suppliers(
    client, owner, settings
):
    member = UserFactory(username="rina", account_type=AccountType.MANUFACTURER)
    ManufacturerFactory().members.add(member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    client.force_login(owner)
    ikm_menu = html(client.get(reverse("home")))
    client.force_login(member)
    manufacturer_menu = html(client.get(reverse("home")))

    inbox = reverse("inbox:index")
    assert f'href="{inbox}" id="nav-inbox">Opportunities<' in ikm_menu
    assert f'href="{inbox}" id="nav-inbox">Proposed suppliers<' in manufacturer_menu
    assert "Dashboard" not in ikm_menu and reverse("admin:index") not in ikm_menu
    assert reverse("workspace:dashboard") not in manufacturer_menu


def test_the_home_page_for_a_partner_runs_few_queries(client, owner, django_assert_max_num_queries):
    client.force_login(owner)

    with django_assert_max_num_queries(12):
        assert client.get(reverse("home")).status_code == 200
