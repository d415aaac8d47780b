"""Authentication events are logged (logger ``jembatan.auth``) without personal data: a
log line names an account by its id, or a typed username and the client address by a
keyed hash, never a username, e-mail, telephone number or address in clear."""

from __future__ import annotations

import logging
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from common.auth import pseudonym
from tests.partners.factories import ManufacturerFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "jembatan-test-password"  # UserFactory's
ADDRESS = "198.51.100.23"


@pytest.fixture
def people():
    """An IKM owner and a manufacturer member with the contact data a real one has."""
    owner = UserFactory(username="sri.ceper", email="sri.wahyuni@logamceper.id")
    supplier = SupplierFactory(
        owner=owner, contact_phone="0272 555 0101", contact_email="kontak@logamceper.id"
    )
    member = UserFactory(username="budi.inka", email="budi.santoso@inka.example.id")
    manufacturer = ManufacturerFactory(
        contact_phone="0351 000 0001", contact_email="pengadaan@inka.example.id"
    )
    manufacturer.members.add(member)
    return owner, member, supplier, manufacturer


def personal_data(owner, member, supplier, manufacturer) -> list[str]:
    return [
        owner.username,
        owner.email,
        member.username,
        member.email,
        supplier.contact_phone,
        supplier.contact_phone.replace(" ", ""),
        supplier.contact_email,
        supplier.nib,
        manufacturer.contact_phone,
        manufacturer.contact_email,
        ADDRESS,
        "orang-tak-dikenal",
    ]


def test_every_authentication_event_is_logged_without_personal_data(
    people, caplog, django_capture_on_commit_callbacks
):
    owner, member, supplier, manufacturer = people
    caplog.set_level(logging.DEBUG)
    client = Client(REMOTE_ADDR=ADDRESS)
    login = reverse("login")

    # login ok, logout
    assert client.post(login, {"username": owner.username, "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))
    # a failure for an unknown name, then failures up to the lockout of the member
    client.post(login, {"username": "orang-tak-dikenal", "password": "salah-salah"})
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": member.username, "password": f"salah-{n}"})
    # a password change (from another address: this one is locked now)
    other = Client(REMOTE_ADDR="203.0.113.77")
    other.force_login(owner)
    changed = other.post(
        reverse("partners:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Rem-Komposit-2026",
            "new_password2": "Rem-Komposit-2026",
        },
    )
    assert changed.status_code == 302
    # a password reset through the e-mailed link
    reset = Client(REMOTE_ADDR="203.0.113.78")
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after commit
        reset.post(reverse("partners:password_reset"), {"email": member.email})
    link = re.sub(r"^https?://[^/]+", "", re.search(r"https?://\S+", mail.outbox[0].body).group(0))
    set_password_url = reset.get(link).url
    done = reset.post(
        set_password_url,
        {"new_password1": "Bantalan-Pegas-77", "new_password2": "Bantalan-Pegas-77"},
    )
    assert done.status_code == 302

    events = [record.getMessage() for record in caplog.records if record.name == "jembatan.auth"]
    assert f"auth.login_ok user_id={owner.pk} via=site ip={pseudonym(ADDRESS)}" in events
    assert any(event.startswith(f"auth.logout user_id={owner.pk} ") for event in events)
    assert (
        f"auth.login_failed user={pseudonym('orang-tak-dikenal')} via=site ip={pseudonym(ADDRESS)}"
        in events
    )
    assert (
        f"auth.locked_out user={pseudonym(member.username)} via=site ip={pseudonym(ADDRESS)}"
        in events
    )
    assert any(event.startswith(f"auth.password_change user_id={owner.pk} ") for event in events)
    assert any(event.startswith(f"auth.password_reset user_id={member.pk} ") for event in events)
    # Nothing personal anywhere in the captured log, whichever logger wrote it.
    text = caplog.text.lower()
    for value in personal_data(owner, member, supplier, manufacturer):
        assert value.lower() not in text, value


def test_a_pseudonym_is_stable_ignores_case_and_is_not_the_value():
    assert pseudonym("Staff") == pseudonym("staff") != pseudonym("staff2")
    assert "staff" not in pseudonym("staff")
    assert pseudonym("") == pseudonym(None) == "-"
