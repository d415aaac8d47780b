"""Demand selectors (partners/selectors/demands.py): the staff's list filters as documented."""

import pytest

from partners.choices import DemandStatus
from partners.selectors.demands import demand_list
from tests.components.factories import ComponentTypeFactory
from tests.partners.factories import DemandFactory

pytestmark = pytest.mark.django_db


def test_demand_list_filters_by_status_and_component():
    brake_block = ComponentTypeFactory()
    open_demand = DemandFactory(status=DemandStatus.OPEN, component_type=brake_block)
    DemandFactory(status=DemandStatus.DRAFT, component_type=brake_block)
    DemandFactory(status=DemandStatus.OPEN)

    found = demand_list(filters={"status": DemandStatus.OPEN, "component_type": brake_block})

    assert list(found) == [open_demand]
    assert list(demand_list(filters={"category": brake_block.category})) == list(
        demand_list(filters={"component_type": brake_block})
    )
