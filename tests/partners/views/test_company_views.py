"""The company pages under /company/: registering a company, its profile and plants, and
posting and running component demands — with who may reach what, bad input kept on the
form, uploads refused before storage and double submissions creating nothing twice."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from partners import events
from partners.choices import DemandStatus, VerificationStatus
from partners.models import Demand, Manufacturer, Plant
from tests.components.factories import (
    CertificationFactory,
    ComponentTypeFactory,
    ProcessFactory,
    ProvinceFactory,
    RegencyFactory,
    SectorFactory,
)
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    PlantFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english_messages():
    """The clients ask for English pages; compare the (lazy) messages in English too."""
    with translation.override("en"):
        yield


def stored_files(root):
    return [path for path in root.rglob("*") if path.is_file()]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def a_member(company: Manufacturer | None = None, username: str = "rep-a"):
    user = UserFactory(username=username, account_type="manufacturer")
    (company or ManufacturerFactory()).members.add(user)
    return user


@pytest.fixture
def company_a():
    return ManufacturerFactory(name="PT Kereta A", verification_status=VerificationStatus.VERIFIED)


@pytest.fixture
def member_a(company_a):
    return a_member(company_a)


@pytest.fixture
def client_a(member_a):
    return logged_in(member_a)


@pytest.fixture
def plant_a(company_a):
    return PlantFactory(manufacturer=company_a, name="Pabrik Madiun")


def demand_post(plant, **overrides):
    """A valid new-demand form as the browser sends it."""
    data = {
        "submission": "token-1",
        "component_type": ComponentTypeFactory().pk,
        "title": "Blok rem komposit K-3",
        "specification": "Sesuai gambar PT-0042",
        "quantity_per_month": "20000",
        "unit": "pcs",
        "duration_months": "24",
        "needed_by": (TODAY() + datetime.timedelta(days=60)).isoformat(),
        "plant": plant.pk,
        "unit_price_idr": "",
        "draft": "1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_post(demand, **overrides):
    """The edit form of a demand as loaded, with changes."""
    data = {
        "component_type": demand.component_type_id,
        "title": demand.title,
        "specification": demand.specification,
        "material": demand.material_id or "",
        "required_processes": [p.pk for p in demand.required_processes.all()],
        "quantity_per_month": str(demand.quantity_per_month),
        "unit": demand.unit,
        "duration_months": str(demand.duration_months),
        "mandatory_certifications": [c.pk for c in demand.mandatory_certifications.all()],
        "preferred_certifications": [c.pk for c in demand.preferred_certifications.all()],
        "needed_by": demand.needed_by.isoformat(),
        "plant": demand.plant_id,
        "unit_price_idr": demand.unit_price_idr or "",
    }
    data.update(overrides)
    return data


def field_errors(response, field):
    return [str(error) for error in response.context["form"].errors.get(field, [])]


def input_value(response, name):
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', response.content.decode())
    return match.group(1) if match else None


@pytest.fixture
def announced():
    calls = []

    def on_specification(**kwargs):
        calls.append(kwargs)

    events.demand_specification_changed.connect(on_specification)
    yield calls
    events.demand_specification_changed.disconnect(on_specification)


# --- Who may reach the pages ---------------------------------------------------------------

COMPANY_PAGES = [
    ("partners:company", {}),
    ("partners:company_edit", {}),
    ("partners:plant_create", {}),
    ("partners:demand_list", {}),
    ("partners:demand_create", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), COMPANY_PAGES)
def test_anonymous_visitor_is_sent_to_login(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "kwargs"), COMPANY_PAGES)
def test_ikm_owner_and_staff_get_403_on_company_pages(name, kwargs):
    owner = UserFactory(username="ikm-owner", account_type="ikm_owner")
    SupplierFactory(owner=owner)
    staff = UserFactory(username="pembina", is_staff=True)

    for user in (owner, staff):
        assert logged_in(user).get(reverse(name, kwargs=kwargs)).status_code == 403


def test_ikm_owner_cannot_open_a_demand_by_its_url():
    owner = UserFactory(username="ikm-owner", account_type="ikm_owner")
    demand = DemandFactory(title="Rahasia pabrikan")

    response = logged_in(owner).get(reverse("partners:demand_detail", args=[demand.pk]))

    assert response.status_code == 403
    assert b"Rahasia pabrikan" not in response.content


def test_member_cannot_reach_staff_pages(client_a):
    DemandFactory(title="Kebutuhan perusahaan lain")

    for name in ("workspace:dashboard", "workspace:demand_list"):
        response = client_a.get(reverse(name))
        assert response.status_code in (302, 403)
        assert b"Kebutuhan perusahaan lain" not in response.content


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("partners:demand_detail", "get"),
        ("partners:demand_edit", "get"),
        ("partners:demand_edit", "post"),
        ("partners:demand_publish", "post"),
        ("partners:demand_close", "post"),
        ("partners:demand_cancel", "post"),
    ],
)
def test_member_of_a_gets_404_for_a_demand_of_b_and_it_stays_as_it_was(client_a, name, method):
    theirs = DemandFactory(title="Kebutuhan B", status=DemandStatus.OPEN)

    response = getattr(client_a, method)(
        reverse(name, args=[theirs.pk]), edit_post(theirs, title="Diubah oleh A")
    )

    assert response.status_code == 404
    assert b"Kebutuhan B" not in response.content
    theirs.refresh_from_db()
    assert (theirs.title, theirs.status) == ("Kebutuhan B", DemandStatus.OPEN)


def test_member_of_a_cannot_edit_or_remove_a_plant_of_b(client_a):
    theirs = PlantFactory(name="Pabrik B")

    assert client_a.get(reverse("partners:plant_edit", args=[theirs.pk])).status_code == 404
    edit = client_a.post(
        reverse("partners:plant_edit", args=[theirs.pk]),
        {"name": "Diambil", "regency": theirs.regency_id},
    )
    remove = client_a.post(reverse("partners:plant_delete", args=[theirs.pk]))

    assert (edit.status_code, remove.status_code) == (404, 404)
    assert Plant.objects.get(pk=theirs.pk).name == "Pabrik B"


def test_demand_list_and_company_page_show_only_the_members_company(client_a, plant_a):
    DemandFactory(manufacturer=plant_a.manufacturer, plant=plant_a, title="Punya A")
    DemandFactory(title="Punya B")
    PlantFactory(name="Pabrik milik B")

    listing = client_a.get(reverse("partners:demand_list"))
    profile = client_a.get(reverse("partners:company"))

    assert b"Punya A" in listing.content
    assert b"Punya B" not in listing.content
    assert b"Pabrik Madiun" in profile.content
    assert b"Pabrik milik B" not in profile.content


def test_a_demand_form_with_a_plant_of_another_company_is_refused_on_that_field(client_a, plant_a):
    theirs = PlantFactory(name="Pabrik B")

    response = client_a.post(reverse("partners:demand_create"), demand_post(theirs))

    assert response.status_code == 200
    assert field_errors(response, "plant")
    assert not Demand.objects.exists()


# --- Registering and editing the company ---------------------------------------------------


def test_a_new_representative_sees_the_register_form_and_registers_a_pending_company():
    user = UserFactory(username="rep-baru", account_type="manufacturer")
    client = logged_in(user)
    sector = SectorFactory()

    form_page = client.get(reverse("partners:company"))
    response = client.post(
        reverse("partners:company"),
        {"name": "PT Baru Jaya", "nib": "8120 3012 34567", "sectors": [sector.pk]},
    )

    assert b'id="company-register-form"' in form_page.content
    assert response.status_code == 302
    company = Manufacturer.objects.get()
    assert (company.name, company.nib) == ("PT Baru Jaya", "8120301234567")
    assert company.verification_status == VerificationStatus.PENDING
    assert list(company.members.all()) == [user]
    profile = client.get(reverse("partners:company"))
    assert b'data-verification="pending"' in profile.content


def test_registering_twice_creates_one_company():
    user = UserFactory(username="rep-baru", account_type="manufacturer")
    client = logged_in(user)
    data = {"name": "PT Baru Jaya", "nib": "8120301234567"}

    first = client.post(reverse("partners:company"), data)
    second = client.post(reverse("partners:company"), data)

    assert first.status_code == second.status_code == 302
    assert Manufacturer.objects.count() == 1


def test_registering_with_a_bad_nib_keeps_what_was_typed_and_stores_nothing():
    client = logged_in(UserFactory(username="rep-baru", account_type="manufacturer"))

    response = client.post(
        reverse("partners:company"),
        {"name": "PT Baru Jaya", "nib": "81203", "contact_phone": "0351 000 0001"},
    )

    assert response.status_code == 200
    assert field_errors(response, "nib") == [
        "NIB must be exactly 13 digits (Nomor Induk Berusaha from OSS)."
    ]
    assert input_value(response, "name") == "PT Baru Jaya"
    assert input_value(response, "contact_phone") == "0351 000 0001"
    assert 'data-error-for="nib"' in response.content.decode()
    assert not Manufacturer.objects.exists()


def test_registering_a_name_already_taken_is_an_error_on_the_name():
    ManufacturerFactory(name="PT INKA (Persero)")
    client = logged_in(UserFactory(username="rep-baru", account_type="manufacturer"))

    response = client.post(reverse("partners:company"), {"name": "PT INKA (Persero)"})

    assert response.status_code == 200
    assert field_errors(response, "name")
    assert Manufacturer.objects.count() == 1


def test_company_edit_saves_the_profile(client_a, company_a):
    response = client_a.post(
        reverse("partners:company_edit"),
        {"name": "PT Kereta A Baru", "website": "kereta-a.example.id", "contact_email": ""},
    )

    assert response.status_code == 302
    company_a.refresh_from_db()
    assert (company_a.name, company_a.website) == (
        "PT Kereta A Baru",
        "https://kereta-a.example.id",
    )


def test_a_member_of_two_companies_switches_between_them_but_not_to_a_third(member_a):
    second = ManufacturerFactory(name="PT Zeta Kedua")
    second.members.add(member_a)
    DemandFactory(manufacturer=second, title="Kebutuhan Zeta")
    stranger = ManufacturerFactory(name="PT Orang Lain")
    client = logged_in(member_a)

    before = client.get(reverse("partners:demand_list"))
    switched = client.post(reverse("partners:company_switch"), {"company": second.pk})
    after = client.get(reverse("partners:demand_list"))
    refused = client.post(reverse("partners:company_switch"), {"company": stranger.pk})

    assert b"Kebutuhan Zeta" not in before.content
    assert switched.status_code == 302
    assert b"Kebutuhan Zeta" in after.content
    assert refused.status_code == 404
    assert client.get(reverse("partners:company")).context["company"] == second


# --- Plants --------------------------------------------------------------------------------


def test_plant_create_puts_the_plant_at_its_regencys_centre(client_a, company_a):
    klaten = RegencyFactory()

    response = client_a.post(
        reverse("partners:plant_create"),
        {"name": "Pabrik Klaten", "province": "33", "regency": klaten.code, "address": "Jl. Raya"},
    )

    assert response.status_code == 302
    plant = Plant.objects.get(manufacturer=company_a)
    assert (plant.name, plant.latitude, plant.longitude) == (
        "Pabrik Klaten",
        klaten.latitude,
        klaten.longitude,
    )


def test_plant_create_refuses_a_regency_outside_the_province_and_half_coordinates(client_a):
    klaten = RegencyFactory()
    ProvinceFactory(code="35", name="Jawa Timur")

    response = client_a.post(
        reverse("partners:plant_create"),
        {"name": "Pabrik Klaten", "province": "35", "regency": klaten.code, "latitude": "-7.6"},
    )

    assert response.status_code == 200
    assert field_errors(response, "regency")
    assert field_errors(response, "longitude") == ["Give both latitude and longitude, or neither."]
    assert input_value(response, "name") == "Pabrik Klaten"
    assert not Plant.objects.exists()


def test_plant_create_with_a_name_the_company_already_uses_is_refused(client_a, plant_a):
    response = client_a.post(
        reverse("partners:plant_create"),
        {"name": plant_a.name, "province": "35", "regency": plant_a.regency_id},
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert Plant.objects.count() == 1


def test_plant_edit_and_remove(client_a, plant_a):
    edit = client_a.post(
        reverse("partners:plant_edit", args=[plant_a.pk]),
        {"name": "Pabrik Madiun Timur", "province": "35", "regency": plant_a.regency_id},
    )
    remove = client_a.post(reverse("partners:plant_delete", args=[plant_a.pk]))

    assert (edit.status_code, remove.status_code) == (302, 302)
    assert not Plant.objects.exists()


def test_regency_options_list_only_the_chosen_provinces_regencies(client_a):
    RegencyFactory()
    RegencyFactory(code="35.77", name="Kota Madiun", province=ProvinceFactory(code="35"))

    response = client_a.get(reverse("partners:plant_regency_options"), {"province": "35"}, **HTMX)

    assert response.status_code == 200
    assert b'value="35.77"' in response.content
    assert b'value="33.10"' not in response.content


# --- Posting demands -----------------------------------------------------------------------


def test_post_a_demand_as_draft(client_a, plant_a):
    process = ProcessFactory()

    response = client_a.post(
        reverse("partners:demand_create"),
        demand_post(plant_a, required_processes=[process.pk]),
    )

    demand = Demand.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:demand_detail", args=[demand.pk])
    assert demand.status == DemandStatus.DRAFT
    assert demand.manufacturer == plant_a.manufacturer
    assert list(demand.required_processes.all()) == [process]


def test_post_and_publish_a_demand_at_once(client_a, plant_a):
    data = demand_post(plant_a, publish="1")
    del data["draft"]

    client_a.post(reverse("partners:demand_create"), data)

    assert Demand.objects.get().status == DemandStatus.OPEN


def test_the_same_new_demand_form_sent_twice_creates_one_demand(client_a, plant_a):
    data = demand_post(plant_a, submission="token-42", publish="1")

    first = client_a.post(reverse("partners:demand_create"), data)
    second = client_a.post(reverse("partners:demand_create"), data)

    demand = Demand.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == reverse("partners:demand_detail", args=[demand.pk])
    )
    assert demand.status == DemandStatus.OPEN


def test_two_different_new_demand_forms_create_two_demands(client_a, plant_a):
    client_a.post(reverse("partners:demand_create"), demand_post(plant_a, submission="one"))
    client_a.post(reverse("partners:demand_create"), demand_post(plant_a, submission="two"))

    assert Demand.objects.count() == 2


def test_a_corrected_form_after_an_error_is_saved_with_the_same_token(client_a, plant_a):
    bad = demand_post(plant_a, submission="token-7", quantity_per_month="0")

    refused = client_a.post(reverse("partners:demand_create"), bad)
    saved = client_a.post(
        reverse("partners:demand_create"), demand_post(plant_a, submission="token-7")
    )

    assert refused.status_code == 200
    assert input_value(refused, "submission") == "token-7"
    assert saved.status_code == 302
    assert Demand.objects.count() == 1


def test_the_new_demand_page_gives_each_form_its_own_token(client_a, plant_a):
    first = client_a.get(reverse("partners:demand_create"))
    second = client_a.get(reverse("partners:demand_create"))

    assert input_value(first, "submission")
    assert input_value(first, "submission") != input_value(second, "submission")


def test_a_needed_by_date_in_the_past_is_refused_on_that_field_and_typed_values_kept(
    client_a, plant_a
):
    yesterday = (TODAY() - datetime.timedelta(days=1)).isoformat()

    response = client_a.post(
        reverse("partners:demand_create"), demand_post(plant_a, needed_by=yesterday)
    )

    assert response.status_code == 200
    assert field_errors(response, "needed_by") == ["The needed-by date cannot be in the past."]
    assert input_value(response, "title") == "Blok rem komposit K-3"
    assert input_value(response, "needed_by") == yesterday
    assert "Sesuai gambar PT-0042" in response.content.decode()
    assert not Demand.objects.exists()


def test_a_certification_both_mandatory_and_preferred_is_refused_and_choices_kept(
    client_a, plant_a
):
    iso, sni = CertificationFactory(), CertificationFactory()

    response = client_a.post(
        reverse("partners:demand_create"),
        demand_post(
            plant_a, mandatory_certifications=[iso.pk, sni.pk], preferred_certifications=[iso.pk]
        ),
    )

    assert response.status_code == 200
    assert field_errors(response, "preferred_certifications") == [
        "A certification cannot be both mandatory and preferred."
    ]
    html = response.content.decode()
    assert re.search(
        rf'value="{sni.pk}"[^>]*id="id_mandatory_certifications_\d+"[^>]*checked', html
    )
    assert not Demand.objects.exists()


def test_every_error_of_one_submission_shows_at_once(client_a, plant_a):
    iso = CertificationFactory()
    yesterday = (TODAY() - datetime.timedelta(days=1)).isoformat()

    response = client_a.post(
        reverse("partners:demand_create"),
        {
            **demand_post(
                plant_a,
                needed_by=yesterday,
                mandatory_certifications=[iso.pk],
                preferred_certifications=[iso.pk],
            ),
            "plant": "",
        },
    )

    assert sorted(response.context["form"].errors) == [
        "needed_by",
        "plant",
        "preferred_certifications",
    ]
    assert not Demand.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("gambar.pdf", b"MZ\x90\x00 not a pdf at all", "Only PDF, PNG or JPEG files are accepted."),
        ("gambar.pdf", PDF + b"0" * 4096, "The file is 4 KB; at most 2 KB is accepted."),
    ],
)
def test_a_bad_drawing_is_refused_before_anything_is_stored(
    client_a, plant_a, media, settings, name, content, message
):
    settings.UPLOAD_MAX_BYTES = 2048

    response = client_a.post(
        reverse("partners:demand_create"),
        demand_post(plant_a, drawing=SimpleUploadedFile(name, content)),
    )

    assert response.status_code == 200
    assert field_errors(response, "drawing") == [message]
    assert b'id="demand-file-lost"' in response.content
    assert input_value(response, "title") == "Blok rem komposit K-3"
    assert not Demand.objects.exists()
    assert stored_files(media) == []


def test_a_drawing_is_stored_and_linked_from_the_demand_page(client_a, plant_a, media):
    client_a.post(
        reverse("partners:demand_create"),
        demand_post(plant_a, drawing=SimpleUploadedFile("gambar.pdf", PDF)),
    )
    demand = Demand.objects.get()

    page = client_a.get(reverse("partners:demand_detail", args=[demand.pk]))

    assert len(stored_files(media)) == 1
    assert reverse("partners:drawing_document", args=[demand.pk]).encode() in page.content


def test_without_plants_the_new_demand_page_asks_for_a_plant_first(client_a):
    response = client_a.get(reverse("partners:demand_create"))

    assert b'id="demand-needs-plant"' in response.content
    assert b'id="demand-form"' not in response.content


def test_a_pending_company_may_publish_and_is_told_it_is_not_matched_yet(plant_a):
    company = plant_a.manufacturer
    company.verification_status = VerificationStatus.PENDING
    company.save()
    client = logged_in(a_member(company, username="rep-pending"))
    data = demand_post(plant_a, publish="1")
    del data["draft"]

    client.post(reverse("partners:demand_create"), data)
    demand = Demand.objects.get()
    page = client.get(reverse("partners:demand_detail", args=[demand.pk]))

    assert demand.status == DemandStatus.OPEN
    assert b'id="company-verification-note"' in page.content


def test_component_search_keeps_the_chosen_type_and_finds_by_english_name(client_a):
    brake = ComponentTypeFactory(name_id="Blok rem", name_en="Brake block")
    chosen = ComponentTypeFactory(name_id="Kursi rotan", name_en="Rattan chair")

    response = client_a.get(
        reverse("partners:demand_component_options"),
        {"q": "brake", "component_type": chosen.pk},
        **HTMX,
    )

    html = response.content.decode()
    assert f'value="{brake.pk}"' in html
    assert re.search(rf'value="{chosen.pk}"\s+selected', html)


# --- Running a demand ----------------------------------------------------------------------


def test_draft_then_publish_then_edit_then_close(client_a, plant_a, announced):
    client_a.post(reverse("partners:demand_create"), demand_post(plant_a))
    demand = Demand.objects.get()
    detail = reverse("partners:demand_detail", args=[demand.pk])

    client_a.post(reverse("partners:demand_publish", args=[demand.pk]))
    demand.refresh_from_db()
    assert demand.status == DemandStatus.OPEN

    edited = client_a.post(
        reverse("partners:demand_edit", args=[demand.pk]),
        edit_post(demand, quantity_per_month="25000", title="Blok rem komposit K-3 (revisi)"),
    )
    assert edited["Location"] == detail
    demand.refresh_from_db()
    assert (demand.quantity_per_month, demand.title) == (25000, "Blok rem komposit K-3 (revisi)")
    assert announced == [{"demand_id": demand.pk, "fields": ["quantity_per_month"]}]

    client_a.post(reverse("partners:demand_close", args=[demand.pk]))
    demand.refresh_from_db()
    assert demand.status == DemandStatus.CLOSED
    page = client_a.get(detail)
    assert b'id="demand-edit-link"' not in page.content
    assert b'id="demand-close-button"' not in page.content


def test_editing_an_open_demand_without_changing_its_specification_announces_nothing(
    client_a, plant_a, announced
):
    demand = DemandFactory(manufacturer=plant_a.manufacturer, plant=plant_a, status="open")

    client_a.post(
        reverse("partners:demand_edit", args=[demand.pk]),
        edit_post(demand, title="Judul baru", unit_price_idr="95000"),
    )

    assert Demand.objects.get(pk=demand.pk).title == "Judul baru"
    assert announced == []


def test_editing_an_older_demand_keeps_its_passed_needed_by_date(client_a, plant_a):
    passed = TODAY() - datetime.timedelta(days=10)
    demand = DemandFactory(
        manufacturer=plant_a.manufacturer, plant=plant_a, status="open", needed_by=passed
    )

    response = client_a.post(
        reverse("partners:demand_edit", args=[demand.pk]), edit_post(demand, title="Baru")
    )

    assert response.status_code == 302
    assert Demand.objects.get(pk=demand.pk).title == "Baru"


def test_replacing_and_removing_the_drawing_on_edit(client_a, plant_a, media):
    client_a.post(
        reverse("partners:demand_create"),
        demand_post(plant_a, drawing=SimpleUploadedFile("a.pdf", PDF)),
    )
    demand = Demand.objects.get()
    first = demand.drawing.name

    client_a.post(
        reverse("partners:demand_edit", args=[demand.pk]),
        edit_post(demand, drawing=SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n" + b"0" * 9)),
    )
    demand.refresh_from_db()
    assert demand.drawing.name.endswith(".png") and demand.drawing.name != first

    client_a.post(
        reverse("partners:demand_edit", args=[demand.pk]), edit_post(demand, remove_drawing="on")
    )
    assert Demand.objects.get(pk=demand.pk).drawing.name == ""


def test_a_closed_demand_cannot_be_edited(client_a, plant_a):
    demand = DemandFactory(manufacturer=plant_a.manufacturer, plant=plant_a, status="closed")

    page = client_a.get(reverse("partners:demand_edit", args=[demand.pk]))
    post = client_a.post(
        reverse("partners:demand_edit", args=[demand.pk]), edit_post(demand, title="Diubah")
    )

    assert page.status_code == post.status_code == 302
    assert Demand.objects.get(pk=demand.pk).title != "Diubah"


def test_publishing_twice_leaves_one_open_demand_and_says_it_is_already_published(
    client_a, plant_a
):
    demand = DemandFactory(manufacturer=plant_a.manufacturer, plant=plant_a, status="draft")
    url = reverse("partners:demand_publish", args=[demand.pk])

    first = client_a.post(url, follow=True)
    second = client_a.post(url, follow=True)

    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN
    assert [str(m) for m in first.context["messages"]] == ["The demand is published."]
    assert [str(m) for m in second.context["messages"]] == ["The demand is already published."]


def test_cancelling_a_closed_demand_is_refused_with_a_message(client_a, plant_a):
    demand = DemandFactory(manufacturer=plant_a.manufacturer, plant=plant_a, status="closed")

    response = client_a.post(reverse("partners:demand_cancel", args=[demand.pk]), follow=True)

    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.CLOSED
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_publish_is_post_only(client_a, plant_a):
    demand = DemandFactory(manufacturer=plant_a.manufacturer, plant=plant_a, status="draft")

    assert client_a.get(reverse("partners:demand_publish", args=[demand.pk])).status_code == 405
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.DRAFT


# --- The demand list -----------------------------------------------------------------------


def test_demand_list_counts_each_status_and_filters_by_tab(client_a, plant_a):
    for status in ["draft", "open", "open", "cancelled"]:
        DemandFactory(manufacturer=plant_a.manufacturer, plant=plant_a, status=status)

    page = client_a.get(reverse("partners:demand_list"))
    fragment = client_a.get(reverse("partners:demand_list"), {"status": "open"}, **HTMX)
    bad = client_a.get(reverse("partners:demand_list"), {"status": "nonsense"})

    assert [(value, count) for value, _label, count in page.context["tabs"]] == [
        ("", 4),
        ("draft", 1),
        ("open", 2),
        ("closed", 0),
        ("cancelled", 1),
    ]
    assert b"<html" not in fragment.content
    assert len(fragment.context["page_obj"].object_list) == 2
    assert len(bad.context["page_obj"].object_list) == 4


def test_demand_list_queries_stay_bounded_with_many_demands(
    client_a, plant_a, django_assert_max_num_queries
):
    def queries_for_list():
        with django_assert_max_num_queries(12) as captured:
            response = client_a.get(reverse("partners:demand_list"))
        assert response.status_code == 200
        return len(captured.captured_queries)

    DemandFactory.create_batch(3, manufacturer=plant_a.manufacturer, plant=plant_a)
    few = queries_for_list()
    DemandFactory.create_batch(
        40,
        manufacturer=plant_a.manufacturer,
        plant=PlantFactory(manufacturer=plant_a.manufacturer),
        component_type=ComponentTypeFactory(),
    )
    many = queries_for_list()

    assert many == few


def test_company_page_queries_stay_bounded_with_many_plants(
    client_a, company_a, django_assert_max_num_queries
):
    PlantFactory.create_batch(30, manufacturer=company_a)

    with django_assert_max_num_queries(12):
        response = client_a.get(reverse("partners:company"))

    assert len(response.context["plants"]) == 30


# --- Two submissions at once (PostgreSQL row locks) ----------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_new_demand_form_sent_twice_at_once_creates_one_demand():
    import threading

    from django.db import connection

    company = ManufacturerFactory()
    plant = PlantFactory(manufacturer=company)
    first = logged_in(a_member(company))
    second = Client()
    second.cookies = first.cookies  # the same browser session, two tabs or a double click
    data = demand_post(plant, submission="token-at-once")
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(client):
        try:
            barrier.wait(timeout=10)
            statuses.append(client.post(reverse("partners:demand_create"), data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [302, 302]
    assert Demand.objects.count() == 1
