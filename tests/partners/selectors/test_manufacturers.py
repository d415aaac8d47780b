"""Manufacturer selectors (partners/selectors/manufacturers.py, and the member reads of
partners/selectors/demands.py): what a member may read of their companies, and the choice
lists of the company forms."""

import pytest
from django.utils import translation

from partners.models import Demand, Plant
from partners.selectors.demands import company_demand_counts, company_demand_list, member_demand
from partners.selectors.manufacturers import (
    company_plants,
    component_type_choices,
    member_plant,
    regency_choices,
)
from tests.components.factories import (
    ComponentCategoryFactory,
    ComponentTypeFactory,
    ProvinceFactory,
    RegencyFactory,
)
from tests.partners.factories import (
    DemandFactory,
    ManufacturerFactory,
    PlantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# --- Selectors -----------------------------------------------------------------------------


def test_member_reads_reach_only_their_own_companies_demands_and_plants():
    member = UserFactory()
    own, other = ManufacturerFactory(), ManufacturerFactory()
    own.members.add(member)
    own_demand, other_demand = DemandFactory(manufacturer=own), DemandFactory(manufacturer=other)

    assert member_demand(user=member, pk=own_demand.pk) == own_demand
    assert member_plant(user=member, pk=own_demand.plant_id) == own_demand.plant
    with pytest.raises(Demand.DoesNotExist):
        member_demand(user=member, pk=other_demand.pk)
    with pytest.raises(Plant.DoesNotExist):
        member_plant(user=member, pk=other_demand.plant_id)


def test_company_demand_counts_and_list_by_status():
    company = ManufacturerFactory()
    plant = PlantFactory(manufacturer=company)
    for status in ["draft", "open", "open", "closed"]:
        DemandFactory(manufacturer=company, plant=plant, status=status)
    DemandFactory(status="open")  # another company's

    counts = company_demand_counts(company=company)

    assert counts == {"all": 4, "draft": 1, "open": 2, "closed": 1, "cancelled": 0}
    assert company_demand_list(company=company, status="open").count() == 2
    assert company_demand_list(company=company).count() == 4
    assert [p.demand_count for p in company_plants(company=company)] == [4]


def test_component_type_choices_are_grouped_by_category_in_the_readers_language():
    bogie = ComponentCategoryFactory(name_id="Komponen bogie", name_en="Bogie parts")
    ComponentTypeFactory(category=bogie, name_id="Blok rem", name_en="Brake block")
    ComponentTypeFactory(category=bogie, name_id="Anak pegas", name_en="Axle spring")
    other = ComponentTypeFactory(name_id="Kursi rotan", name_en="Rattan chair")

    with translation.override("en"):
        everything = component_type_choices()
        found = component_type_choices(q="brake")
    with translation.override("id"):
        by_indonesian_name = component_type_choices(q="rotan")

    bogie_group = dict(everything)["Bogie parts"]
    assert [name for _pk, name in bogie_group] == ["Axle spring", "Brake block"]
    assert found == [("Bogie parts", [(found[0][1][0][0], "Brake block")])]
    assert by_indonesian_name == [(other.category.name_id, [(other.pk, "Kursi rotan")])]


def test_regency_choices_of_a_province_or_all_grouped_by_province():
    klaten = RegencyFactory()
    madiun = RegencyFactory(
        code="35.77", name="Kota Madiun", province=ProvinceFactory(code="35", name="Jawa Timur")
    )

    assert regency_choices(province="33") == [(klaten.code, "Klaten (33.10)")]
    assert regency_choices(province=None) == [
        ("Jawa Tengah", [(klaten.code, "Klaten (33.10)")]),
        ("Jawa Timur", [(madiun.code, "Kota Madiun (35.77)")]),
    ]
