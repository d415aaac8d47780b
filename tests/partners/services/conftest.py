"""Fixtures of the partner service tests: a small catalogue, an IKM owner, the IKM rescores
announced."""

import pytest

from partners import events
from partners.choices import AccountType
from tests.components.factories import (
    CertificationFactory,
    ComponentTypeFactory,
    KbliCodeFactory,
    MaterialFactory,
    ProcessFactory,
    RegencyFactory,
)
from tests.partners.factories import UserFactory


@pytest.fixture
def changes():
    seen: list[int] = []

    def receiver(*, supplier_id):
        seen.append(supplier_id)

    events.supplier_changed.connect(receiver)
    yield seen
    events.supplier_changed.disconnect(receiver)


@pytest.fixture
def cat(db):
    return {
        "regency": RegencyFactory(),
        "kbli": KbliCodeFactory(),
        "component": ComponentTypeFactory(),
        "other_component": ComponentTypeFactory(),
        "process": ProcessFactory(),
        "material": MaterialFactory(),
        "certification": CertificationFactory(),
    }


@pytest.fixture
def owner(db):
    return UserFactory(username="pak-budi", account_type=AccountType.IKM_OWNER)
