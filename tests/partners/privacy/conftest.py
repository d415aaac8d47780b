import pytest

from tests.partners.factories import UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="pembina-privasi", is_staff=True)
