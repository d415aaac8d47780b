"""The log holds no personal data: the fixtures' phone numbers, e-mail addresses and NIBs
never appear in what any logger wrote while people sign up, fail and succeed to log in,
reset a password, edit their IKM (a NIB change sends it back to verification), while staff
decide with a reason that quotes a phone number, and while an organisation is anonymised."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse, reverse_lazy

from partners.choices import AccountType
from partners.privacy import deletion
from partners.services.suppliers import supplier_update
from partners.services.verification import Decision, organisation_verification_decide
from tests.partners.factories import SupplierFactory, UserFactory
from tests.partners.privacy.data import ikm_with_personal_data, manufacturer_with_demand

pytestmark = pytest.mark.django_db

PASSWORD = "jembatan-test-password"
LOGIN, LOGOUT = reverse_lazy("login"), reverse_lazy("logout")
SIGNUP_EMAIL = "wahyuni.baru@logamceper.example.id"
NEW_NIB = "9120000000777"
PENDING_NIB = "9120000000888"
PENDING_PHONE = "0813 2222 3333"


@pytest.fixture
def every_log(caplog):
    """Everything every logger writes, at every level, including loggers that do not
    propagate to the root."""
    caplog.set_level(logging.DEBUG)
    silent = [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in silent:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in silent:
        logger.removeHandler(caplog.handler)


def test_no_phone_email_or_nib_of_the_fixtures_reaches_the_log(
    client, every_log, media, eager_tasks, mail_sent_at_once, django_capture_on_commit_callbacks
):
    cache.clear()
    supplier = ikm_with_personal_data()
    manufacturer, _demand = manufacturer_with_demand()
    owner = supplier.owner
    pending = SupplierFactory(nib=PENDING_NIB, contact_phone=PENDING_PHONE)
    staff = UserFactory(username="pembina-log", is_staff=True, email="pembina@kemenperin.example")
    personal = {
        SIGNUP_EMAIL,
        supplier.nib,
        NEW_NIB,
        PENDING_NIB,
        PENDING_PHONE,
        supplier.contact_phone,
        supplier.contact_email,
        owner.email,
        staff.email,
        manufacturer.contact_phone,
        manufacturer.contact_email,
        *(member.email for member in manufacturer.members.all()),
    }
    assert all(personal)

    with django_capture_on_commit_callbacks(execute=True):
        # sign-up, twice with the same address (the second must not reveal the first)
        for _ in range(2):
            client.post(
                reverse("partners:signup"),
                {
                    "account_type": AccountType.IKM_OWNER,
                    "name": "Wahyuni Baru",
                    "email": SIGNUP_EMAIL,
                    "username": "wahyuni.baru",
                    "password": PASSWORD,
                    "password_confirm": PASSWORD,
                    "privacy_accepted": "on",
                },
            )
        # wrong passwords typed with the e-mail address as the username, then the right one
        for _ in range(3):
            client.post(LOGIN, {"username": owner.email, "password": "salah-sekali"})
        client.post(LOGIN, {"username": owner.username, "password": PASSWORD})
        client.post(LOGOUT)
        client.post(reverse("partners:password_reset"), {"email": owner.email})
        client.post(reverse("partners:password_reset"), {"email": "nobody@nowhere.example"})
        # the owner changes the NIB: back to verification
        supplier._history_user = owner
        supplier_update(supplier=supplier, data={"nib": NEW_NIB})
        # staff decide, quoting a phone number in the reason
        organisation_verification_decide(
            organisation=pending,
            decision=Decision.REJECT,
            reason=f"NIB {PENDING_NIB} tidak cocok; hubungi {PENDING_PHONE}",
            by=staff,
        )
        # the manufacturer asks to be erased and staff confirm
        request = deletion.deletion_request_create(
            organisation=manufacturer, by=manufacturer.members.first()
        )
        deletion.deletion_request_confirm(deletion_request=request, by=staff)

    written = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        for record in every_log.records
    )
    assert "auth.login_failed" in written and "decided reject" in written  # it did log
    leaked = sorted(value for value in personal if value.lower() in written.lower())
    assert leaked == []
