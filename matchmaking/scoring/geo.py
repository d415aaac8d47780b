"""Great-circle distance (haversine) on a spherical Earth."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088

FloatArray = npt.NDArray[np.float64]


def haversine_km(
    latitude: FloatArray, longitude: FloatArray, to_latitude: float, to_longitude: float
) -> FloatArray:
    """Distance in km from each point to one point; NaN where a coordinate is NaN."""
    lat1 = np.radians(latitude)
    lat2 = np.radians(to_latitude)
    half_dlat = (lat2 - lat1) / 2.0
    half_dlon = np.radians(to_longitude - longitude) / 2.0
    a = np.sin(half_dlat) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(half_dlon) ** 2
    km: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return km
