"""Partner events: each connected receiver is called once, and a receiver that fails rolls the
change back."""

import pytest

from partners import events
from partners.models import Supplier
from partners.services.suppliers import supplier_create

pytestmark = pytest.mark.django_db


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
