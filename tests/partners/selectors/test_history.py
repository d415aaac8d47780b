"""The audit trail (common/history.py, partners/selectors/history.py): every edit of an
organisation and of what belongs to it is recorded with actor, time and before/after
values, read as entries on the staff pages, and cannot be edited through the application."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from common.history import record_baseline
from common.people import display_name
from matchmaking.models import MatchingPolicy
from partners.choices import AuditReason
from partners.models import Supplier, SupplierCapability
from partners.selectors.history import organisation_history
from partners.services.demands import demand_update
from partners.services.suppliers import capability_update, supplier_create
from partners.services.verification import Decision, organisation_verification_decide
from tests.components.factories import KbliCodeFactory, ProcessFactory, RegencyFactory
from tests.matchmaking import factories as f
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """Entries and pages in English (Indonesian is the default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _tasks_in_process(eager_tasks):
    """Rescoring announced by the edits runs in-process."""


@pytest.fixture
def cat():
    return f.catalogue()


@pytest.fixture
def staff(db):
    return UserFactory(username="pembina-jejak", first_name="Sri", is_staff=True)


def edit_capability(capability, **changes):
    values = {
        "component_type": capability.component_type,
        "materials": list(capability.materials.all()),
        "processes": list(capability.processes.all()),
        "monthly_capacity": capability.monthly_capacity,
        "capacity_unit": capability.capacity_unit,
        "lead_time_days": capability.lead_time_days,
        "minimum_order": capability.minimum_order,
    }
    return capability_update(capability=capability, **{**values, **changes})


def test_a_capability_edit_is_one_entry_with_the_values_before_and_after(cat):
    ikm = f.supplier(cat, name="CV Jejak")
    capability = SupplierCapability.objects.get(supplier=ikm)
    kept = list(capability.processes.all())
    milling = ProcessFactory(name_id="Frais", name_en="Milling")

    edit_capability(capability, monthly_capacity=999, processes=[*kept, milling])

    entry = organisation_history(ikm)[0]
    assert entry.subject.startswith("Capability: ")
    assert entry.action == "changed"
    changes = {change.label: (change.before, change.after) for change in entry.changes}
    assert changes["monthly capacity"][1] == "999"
    before, after = changes["processes"]
    assert "Milling" not in before and "Milling" in after
    assert set(changes) == {"monthly capacity", "processes"}


def test_creating_an_ikm_with_its_kbli_codes_is_one_created_entry():
    supplier = supplier_create(
        data={
            "legal_name": "CV Baru Jejak",
            "nib": "9120000000999",
            "legal_form": "cv",
            "workers": 12,
            "investment_idr": 500_000_000,
            "regency": RegencyFactory(),
        },
        kbli_codes=[KbliCodeFactory()],
    )

    assert [(e.subject, e.action) for e in organisation_history(supplier)] == [
        ("Profile", "created")
    ]


def test_a_verification_decision_names_the_officer_and_the_decision(cat, staff):
    ikm = f.supplier(cat, name="CV Diperiksa", verified=False)

    organisation_verification_decide(
        organisation=ikm, decision=Decision.REJECT, reason="NIB tidak cocok", by=staff
    )

    entry = organisation_history(ikm)[0]
    assert entry.actor == "Sri" == display_name(staff)
    assert entry.reason == AuditReason.REJECT.label
    changes = {change.label: (change.before, change.after) for change in entry.changes}
    assert changes["verification status"] == ("pending verification", "rejected")
    assert changes["verification note"] == ("—", "NIB tidak cocok")


def test_a_manufacturers_trail_holds_its_demand_edits(cat):
    demand = f.brake_block_demand(cat)

    demand_update(demand=demand, data={"quantity_per_month": 2500})

    entry = organisation_history(demand.manufacturer)[0]
    assert entry.subject == f"Demand: {demand.title}"
    assert [(c.label, c.after) for c in entry.changes] == [("quantity per month", "2,500")]


def test_staff_read_the_trail_on_the_organisation_pages(client, cat, staff):
    ikm = f.supplier(cat, name="CV Halaman Jejak", verified=False)
    organisation_verification_decide(organisation=ikm, decision=Decision.VERIFY, by=staff)
    client.force_login(staff)

    for url in [
        reverse("workspace:supplier_detail", args=[ikm.pk]),
        reverse("workspace:verification_detail", args=["ikm", ikm.pk]),
    ]:
        page = client.get(url).content.decode()
        assert 'id="organisation-history"' in page
        assert "Verification decision: verified" in page
        assert "<del>pending verification</del>" in page


def test_the_trail_has_no_page_to_edit_or_revert_it():
    registered = [model._meta.object_name for model in admin.site._registry]
    assert not [name for name in registered if name.startswith("Historical")]
    history_models = [m for m in apps.get_models() if m._meta.object_name.startswith("Historical")]
    assert len(history_models) >= 7
    for model in history_models:
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with pytest.raises(NoReverseMatch):  # SimpleHistoryAdmin's revert page is not mounted
        reverse("admin:partners_supplier_simple_history", args=[1, 1])


def test_the_baseline_migration_step_records_rows_older_than_the_trail(cat):
    ikm = f.supplier(cat, name="CV Lama")
    codes = [KbliCodeFactory(), KbliCodeFactory()]
    ikm.kbli_codes.set(codes)
    Supplier.history.filter(id=ikm.pk).delete()

    record_baseline(apps, "partners", ["Supplier"])
    record_baseline(apps, "partners", ["Supplier"])  # once only

    record = Supplier.history.get(id=ikm.pk)
    assert record.history_change_reason == AuditReason.BASELINE
    assert record.legal_name == "CV Lama" and record.nib == ikm.nib
    assert {row.kblicode_id for row in record.kbli_codes.all()} == {c.pk for c in codes}
    assert organisation_history(ikm)[-1].reason == AuditReason.BASELINE.label


def test_a_new_matching_policy_version_is_recorded(staff):
    policy = MatchingPolicy.objects.create(
        version=99, name="Uji", weights={"distance": 1}, is_active=False
    )
    policy.note = "bobot jarak"
    policy.save()

    assert [r.history_type for r in policy.history.all()] == ["~", "+"]
