import pytest

from partners.choices import DemandStatus
from tests.matchmaking import factories as f


@pytest.fixture
def market():
    """Seven open brake-block demands of various sizes, one closed, and eight IKM."""
    cat = f.catalogue()
    demands = [f.brake_block_demand(cat, quantity=q) for q in (500, 1000, 2000, 4000, 7000)]
    demands += [
        f.brake_block_demand(cat, quantity=300, component_type=cat.brake_block_head),
        f.brake_block_demand(cat, quantity=20, component_type=cat.chair, material=cat.teak),
    ]
    f.brake_block_demand(cat, status=DemandStatus.CLOSED)
    for i, capacity in enumerate((300, 800, 1500, 2500, 4000, 6000)):
        f.supplier(cat, name=f"Foundry {i}", capacity=capacity, certified=i % 4 != 1)
    f.supplier(cat, name="Furniture", component_type=cat.chair, capacity=50)
    f.supplier(cat, name="Head maker", component_type=cat.brake_block_head, capacity=400)
    return demands
