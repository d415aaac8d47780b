"""The kinds of notification partners sends itself (see ``partners.notification_kinds``);
registered on import."""

from django.utils.translation import gettext_lazy as _

from .notification_kinds import NotificationKind, register

ORGANISATION_VERIFIED = register(
    NotificationKind(
        "organisation_verified",
        label=_("organisation verified"),
        text=_("%(organisation)s has been verified by the ministry and can now be matched."),
        description=_("When the ministry has checked and verified your IKM or company."),
        position=10,
    )
)

ORGANISATION_REVERIFYING = register(
    NotificationKind(
        "organisation_reverifying",
        label=_("verification again after a change of NIB or name"),
        text=_(
            "%(organisation)s changed its NIB or legal name, so the ministry verifies it "
            "again. Until then it is not offered to partners; partnerships already under "
            "way continue."
        ),
        description=_(
            "When a change of your NIB or legal name sends your IKM or company back to "
            "verification."
        ),
        position=15,
    )
)

CERTIFICATE_EXPIRING = register(
    NotificationKind(
        "certificate_expiring",
        label=_("certificate expiring in 30 days"),
        text=_(
            "The certificate %(certification)s no. %(number)s of %(supplier)s expires on %(date)s."
        ),
        description=_(
            "30 days before a certificate of your IKM expires, so you can renew it in time."
        ),
        manufacturers=False,  # certificates concern IKM owners only
        position=50,
    )
)
