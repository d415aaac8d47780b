"""Fixtures of the IKM page tests (registration, my IKM, lookups): English pages, a small
catalogue, an IKM owner signed in."""

from __future__ import annotations

import pytest
from django.utils import translation

from partners.choices import AccountType
from tests.components.factories import (
    CertificationFactory,
    ComponentTypeFactory,
    KbliCodeFactory,
    MaterialFactory,
    ProcessFactory,
    ProvinceFactory,
    RegencyFactory,
)
from tests.partners.factories import (
    UserFactory,
)


@pytest.fixture
def english(client, settings):
    """Pages in English, so messages can be compared (Indonesian is the default); the
    lazy messages of forms in the context are read in English too."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def cat(db):
    """A small catalogue: Klaten in Jawa Tengah, KBLI 24310, a brake block, casting, grey
    iron, ISO 9001."""
    regency = RegencyFactory()
    RegencyFactory(code="33.28", name="Kab. Tegal", latitude=-6.98, longitude=109.13)
    ProvinceFactory(code="35", name="Jawa Timur", latitude=-7.5, longitude=112.2)
    RegencyFactory(
        code="35.77", name="Kota Madiun", province_id="35", latitude=-7.63, longitude=111.52
    )
    return {
        "regency": regency,
        "kbli": KbliCodeFactory(code="24310", title="Industri Pengecoran Besi dan Baja"),
        "component": ComponentTypeFactory(
            name_id="Blok rem metalik", name_en="Metallic brake block"
        ),
        "process": ProcessFactory(name_id="Pengecoran", name_en="Casting"),
        "material": MaterialFactory(name_id="Besi cor kelabu", name_en="Grey cast iron"),
        "certification": CertificationFactory(name="ISO 9001"),
    }


@pytest.fixture
def owner(db):
    return UserFactory(
        username="pak-budi",
        first_name="Budi",
        last_name="Santoso",
        email="budi@logamjaya.id",
        account_type=AccountType.IKM_OWNER,
    )


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client
