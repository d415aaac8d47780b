import pytest

from matchmaking.scoring.config import DEFAULT_WEIGHTS, FACTORS, normalise_weights


def test_default_weights_sum_to_one_and_favour_component_and_capacity():
    weights = normalise_weights(DEFAULT_WEIGHTS)
    assert sum(weights.values()) == pytest.approx(1.0)
    top = sorted(weights, key=weights.get, reverse=True)[:2]
    assert set(top) == {"component_fit", "capacity_fit"}


def test_weights_are_normalised_and_missing_factors_weigh_nothing():
    weights = normalise_weights({"capacity_fit": 3, "distance": 1})
    assert weights["capacity_fit"] == 0.75
    assert weights["distance"] == 0.25
    assert list(weights) == list(FACTORS)
    assert weights["track_record"] == 0.0


@pytest.mark.parametrize(
    "weights",
    [{"capacity_fit": -1, "distance": 2}, {"price": 1}, {"distance": 0}, {}],
)
def test_invalid_weights_are_rejected(weights):
    with pytest.raises(ValueError):
        normalise_weights(weights)
