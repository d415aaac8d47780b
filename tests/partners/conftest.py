"""Fixtures of the partners tests: what the partner services announce, and an IKM's data."""

import pytest

from partners import events
from partners.choices import LegalForm
from tests.components.factories import RegencyFactory


@pytest.fixture
def received():
    """Every announcement on partners.events during the test, as (event name, kwargs)."""
    calls = []

    def on_supplier(**kwargs):
        calls.append(("supplier_changed", kwargs))

    def on_demand(**kwargs):
        calls.append(("demand_changed", kwargs))

    events.supplier_changed.connect(on_supplier)
    events.demand_changed.connect(on_demand)
    yield calls
    events.supplier_changed.disconnect(on_supplier)
    events.demand_changed.disconnect(on_demand)


@pytest.fixture
def supplier_data():
    return {
        "legal_name": "CV Baja Cor Batur",
        "nib": "9120301234567",
        "legal_form": LegalForm.CV,
        "workers": 25,
        "investment_idr": 2_500_000_000,
        "regency": RegencyFactory(),
        "sentra": "Sentra Pengecoran Logam Ceper",
    }


@pytest.fixture
def announced():
    """Every demand announcement during the test, as (event name, kwargs)."""
    calls = []

    def on_changed(**kwargs):
        calls.append(("demand_changed", kwargs))

    def on_specification(**kwargs):
        calls.append(("demand_specification_changed", kwargs))

    events.demand_changed.connect(on_changed)
    events.demand_specification_changed.connect(on_specification)
    yield calls
    events.demand_changed.disconnect(on_changed)
    events.demand_specification_changed.disconnect(on_specification)
