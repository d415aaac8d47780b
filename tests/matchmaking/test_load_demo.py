from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from components.models import ComponentType
from matchmaking.celery import app as celery_app
from matchmaking.choices import MatchKind
from matchmaking.models import Match
from matchmaking.roles import ROLES
from partners.choices import DemandStatus, SizeClass, VerificationStatus
from partners.models import (
    Demand,
    Manufacturer,
    Plant,
    Supplier,
    SupplierCapability,
    SupplierCertification,
    User,
)

DEMO_MODELS = [
    User,
    Group,
    Supplier,
    SupplierCapability,
    SupplierCertification,
    Manufacturer,
    Plant,
    Demand,
]
RAILWAY_PARTS = [
    "blok-rem-metalik",
    "blok-rem-komposit",
    "brake-block-head",
    "side-bearer-housing",
    "journal-spring-upper-seat",
    "journal-spring-bottom-seat",
    "upper-center-plate",
    "bottom-center-plate",
]
PASSWORD = "demo12345"


def _load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--no-scoring", stdout=out)
    return out.getvalue()


def _rows() -> dict[str, list[int]]:
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in DEMO_MODELS
    }


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load the demo once for this module, in a transaction rolled back after its tests
    (each test's own transaction nests inside it as a savepoint)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _load_demo()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db):
    return demo_loaded


def test_load_demo_twice_leaves_the_same_rows(demo):
    first = _rows()
    links = {
        "demand_certifications": Demand.mandatory_certifications.through.objects.count(),
        "capability_materials": SupplierCapability.materials.through.objects.count(),
        "members": Manufacturer.members.through.objects.count(),
    }

    _load_demo()

    assert _rows() == first
    assert Demand.mandatory_certifications.through.objects.count() == links["demand_certifications"]
    assert SupplierCapability.materials.through.objects.count() == links["capability_materials"]
    assert Manufacturer.members.through.objects.count() == links["members"]


def test_rerunning_load_demo_retires_the_old_all_permissions_staff_group(demo):
    """Demos loaded before the roles gave the staff login a group with every permission of
    the partners app (user model included); a rerun removes it and the login keeps only its
    role."""
    from django.contrib.auth.models import Permission

    old = Group.objects.create(name="Ministry staff")
    old.permissions.set(Permission.objects.filter(content_type__app_label="partners"))
    staff = User.objects.get(username="staff")
    staff.groups.add(old)

    _load_demo()

    assert not Group.objects.filter(name="Ministry staff").exists()
    staff = User.objects.get(username="staff")
    assert not staff.has_perm("partners.change_user")
    assert staff.get_all_permissions() == set(ROLES["Pembina"])


def test_demo_is_large_and_varied_enough(demo):
    suppliers = Supplier.objects.all()
    open_demands = Demand.objects.filter(status=DemandStatus.OPEN)

    assert suppliers.count() >= 60
    assert suppliers.values("regency").distinct().count() >= 6
    assert Manufacturer.objects.count() >= 6
    assert open_demands.count() >= 15
    assert Demand.objects.exclude(status=DemandStatus.OPEN).exists()
    assert suppliers.filter(verification_status=VerificationStatus.PENDING).exists()
    assert not suppliers.filter(size_class=SizeClass.LARGE).exists()
    assert set(suppliers.values_list("size_class", flat=True)) == {
        SizeClass.SMALL,
        SizeClass.MEDIUM,
    }
    assert not open_demands.filter(needed_by__lte=timezone.localdate()).exists()


def test_demo_identities_are_obviously_fake(demo):
    for nib, email in Supplier.objects.values_list("nib", "contact_email"):
        assert len(nib) == 13 and nib.isdigit() and nib.startswith("9999"), nib
        assert email.endswith("@example.id"), email
    assert not Manufacturer.objects.exclude(contact_email__endswith="example.id").exists()


def test_demo_has_a_verified_grey_iron_foundry_of_ceper_in_klaten(demo):
    foundries = Supplier.objects.filter(
        regency__code="33.10",
        sentra="Sentra Pengecoran Logam Ceper",
        verification_status=VerificationStatus.VERIFIED,
        capabilities__component_type__code="blok-rem-metalik",
        capabilities__materials__code="besi-cor-kelabu",
        capabilities__capacity_unit="ton",
    ).distinct()

    assert foundries.count() >= 10
    klaten = foundries.first().regency
    assert (foundries.first().latitude, foundries.first().longitude) == (
        klaten.latitude,
        klaten.longitude,
    )


def test_demo_has_inkas_open_brake_block_demand(demo):
    demand = Demand.objects.select_related("plant__regency").get(
        manufacturer__name__contains="INKA",
        component_type__code="blok-rem-metalik",
        status=DemandStatus.OPEN,
    )

    assert demand.material.code == "besi-cor-kelabu"
    assert demand.plant.regency.code == "35.77"
    assert "iso-9001" in demand.mandatory_certifications.values_list("code", flat=True)
    assert "iso-ts-22163" in demand.preferred_certifications.values_list("code", flat=True)
    assert demand.quantity_per_month >= 10_000


def test_demo_has_a_ceper_foundry_lacking_only_the_railway_certificate(demo):
    demand = Demand.objects.get(
        manufacturer__name__contains="INKA", component_type__code="side-bearer-housing"
    )
    foundry = Supplier.objects.get(owner__username="ikm")
    held = set(foundry.certifications.values_list("certification__code", flat=True))

    assert "iso-ts-22163" in demand.mandatory_certifications.values_list("code", flat=True)
    assert foundry.capabilities.filter(component_type=demand.component_type).exists()
    assert "iso-9001" in held
    assert "iso-ts-22163" not in held


def test_demo_catalogue_has_a_component_type_for_every_railway_part(demo):
    codes = set(ComponentType.objects.values_list("code", flat=True))

    assert set(RAILWAY_PARTS) <= codes


def test_demo_users_log_in_with_their_roles(demo, client):
    for username in ["admin", "staff", "ikm", "manufacturer"]:
        assert client.login(username=username, password=PASSWORD), username
        client.logout()

    admin = User.objects.get(username="admin")
    staff = User.objects.get(username="staff")
    assert admin.is_superuser and admin.is_staff
    assert staff.is_staff and not staff.is_superuser
    # The officer role of matchmaking.roles, not every permission of the partners app (which
    # holds the user model: the demo's staff could make themselves superuser).
    assert list(staff.groups.values_list("name", flat=True)) == ["Pembina"]
    assert staff.get_all_permissions() == set(ROLES["Pembina"])
    assert staff.has_perm("partners.change_supplier")
    assert staff.has_perm("matchmaking.view_match")
    assert not staff.has_perm("partners.change_user")
    assert not staff.has_perm("components.add_componenttype")
    assert not Group.objects.filter(name="Ministry staff").exists()
    ikm = User.objects.get(username="ikm")
    assert not ikm.is_staff
    assert ikm.suppliers.get().regency.code == "33.10"
    manufacturer = User.objects.get(username="manufacturer")
    assert not manufacturer.is_staff
    assert [m.name for m in manufacturer.manufacturers.all()] == ["PT INKA (Persero)"]


def test_load_demo_resets_a_changed_demo_password(demo, client):
    staff = User.objects.get(username="staff")
    staff.set_password("something-else-42")
    staff.save()

    _load_demo()

    assert client.login(username="staff", password=PASSWORD)


def test_load_demo_prints_counts_and_logins(demo):
    assert "suppliers" in demo
    assert "open demands" in demo
    assert "manufacturer" in demo
    assert PASSWORD in demo


@pytest.mark.skipif(
    not celery_app.conf.task_always_eager,
    reason="a real worker cannot see this test's uncommitted demo data",
)
def test_load_demo_scores_the_demo_and_shows_the_ceper_near_miss(
    demo, django_capture_on_commit_callbacks
):
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=out)

    assert "Full rescore" in out.getvalue()
    side_bearer = Demand.objects.get(
        manufacturer__name__contains="INKA", component_type__code="side-bearer-housing"
    )
    near_miss = Match.objects.get(demand=side_bearer, supplier__owner__username="ikm")
    assert near_miss.kind == MatchKind.NEAR_MISS
    assert Match.objects.filter(
        demand__title="Blok rem metalik gerbong barang",
        kind=MatchKind.MATCH,
        supplier__sentra="Sentra Pengecoran Logam Ceper",
    ).exists()
