"""Who takes part: IKM suppliers with their capabilities and certifications, manufacturers
with their plants, and the component demand they post; drafts, notifications and deletion
requests. Django finds an app's models through ``partners.models``, so every model is
imported here (the one package ``__init__`` that does so)."""

from .accounts import User
from .demands import Demand
from .drafts import SupplierDraft
from .manufacturers import Manufacturer, Plant
from .notifications import Notification, NotificationSetting
from .organisations import Organisation, Supplier, SupplierCapability, SupplierCertification
from .privacy import DeletionRequest

__all__ = [
    "DeletionRequest",
    "Demand",
    "Manufacturer",
    "Notification",
    "NotificationSetting",
    "Organisation",
    "Plant",
    "Supplier",
    "SupplierCapability",
    "SupplierCertification",
    "SupplierDraft",
    "User",
]
