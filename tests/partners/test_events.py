"""Partner events: each connected receiver is called once, and a receiver that fails rolls the
change back."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from components.choices import Unit
from partners import events
from partners.choices import LegalForm
from partners.models import Supplier
from partners.services.suppliers import supplier_create
from tests.components.factories import (
    ComponentTypeFactory,
    RegencyFactory,
)
from tests.partners.factories import (
    PlantFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def error_codes(excinfo, field):
    return [error.code for error in excinfo.value.error_dict[field]]


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


def demand_data(manufacturer, **overrides):
    data = {
        "plant": PlantFactory(manufacturer=manufacturer),
        "component_type": ComponentTypeFactory(),
        "title": "Blok rem komposit K-3",
        "quantity_per_month": Decimal("20000"),
        "unit": Unit.PIECE,
        "duration_months": 24,
        "needed_by": TODAY() + datetime.timedelta(days=60),
    }
    return data | overrides


# --- Events -------------------------------------------------------------------------------


def test_event_calls_each_connected_receiver_once_until_disconnected():
    event = events.Event("test_event")
    calls = []

    def receiver(**kwargs):
        calls.append(kwargs)

    event.connect(receiver)
    event.connect(receiver)
    event.send(supplier_id=7)
    event.disconnect(receiver)
    event.send(supplier_id=8)

    assert calls == [{"supplier_id": 7}]


def test_event_receiver_failure_rolls_the_change_back(supplier_data):
    def failing_receiver(**kwargs):
        raise RuntimeError("matching engine down")

    events.supplier_changed.connect(failing_receiver)
    try:
        with pytest.raises(RuntimeError):
            supplier_create(data=supplier_data)
    finally:
        events.supplier_changed.disconnect(failing_receiver)

    assert not Supplier.objects.exists()
