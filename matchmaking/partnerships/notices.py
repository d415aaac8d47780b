"""The kinds of notification the matching sends (see ``partners.notification_kinds``):
registered on import, which ``MatchmakingConfig.ready()`` does. A new kind here needs no
partners migration."""

from django.utils.translation import gettext_lazy as _

from partners.notification_kinds import NotificationKind, register

NEW_INTRODUCTION = register(
    NotificationKind(
        "new_introduction",
        label=_("new introduction"),
        text=_("New introduction: %(supplier)s and %(manufacturer)s for “%(demand)s”."),
        description=_("When ministry staff introduce you to a possible partner."),
        position=20,
    )
)

INTRODUCTION_ANSWER = register(
    NotificationKind(
        "introduction_answer",
        label=_("answer from the other party"),
        text=_("%(party)s answered “%(answer)s” to the introduction for “%(demand)s”."),
        description=_("When the other party answers an introduction (interested or not)."),
        position=30,
    )
)

STAGE_CHANGED = register(
    NotificationKind(
        "stage_changed",
        label=_("partnership stage changed"),
        text=_(
            "The partnership of %(supplier)s and %(manufacturer)s for “%(demand)s” moved to the "
            "stage “%(stage)s”."
        ),
        description=_(
            "When a partnership moves on, e.g. to a business meeting, a trial order or a contract."
        ),
        position=40,
    )
)

DEMAND_CHANGED = register(
    NotificationKind(
        "demand_changed",
        label=_("demand specification changed"),
        text=_("%(manufacturer)s changed the specification of the demand “%(demand)s”."),
        description=_(
            "When a manufacturer changes the specification of a demand you were matched to."
        ),
        manufacturers=False,  # only IKM owners are told that a demand changed
        position=60,
    )
)
