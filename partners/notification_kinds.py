"""The kinds of notification, registered by the app that sends them.

A kind is its stored value (a ``str``, so it is compared, filtered on and stored as one)
with what the pages and e-mails need: its label, the sentence shown to the reader (a
``%(name)s`` template filled from the notification's parameters), what it is about (shown
next to its e-mail switch), whether a manufacturer's member can receive it, and its place
on the settings page. Partners registers its own kinds (``partners.notices``), matchmaking
its matching kinds (``matchmaking.partnerships.notices``, imported by its ``AppConfig.ready()``), so a new
kind needs no partners migration: ``Notification.kind`` takes its choices from
:func:`kind_choices` at run time.

A parameter that must read differently per language (a stage, an answer, a date) is stored
as a mapping of language code to text, made with :func:`in_languages`; plain strings (names,
titles, numbers) are shown as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import get_language

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class NotificationKind(str):
    """A kind of notification: its stored value, plus what is needed to show it."""

    label: StrOrPromise
    text: StrOrPromise
    description: StrOrPromise
    manufacturers: bool
    position: int

    def __new__(
        cls,
        value: str,
        *,
        label: StrOrPromise,
        text: StrOrPromise,
        description: StrOrPromise,
        manufacturers: bool = True,
        position: int = 100,
    ) -> NotificationKind:
        kind = super().__new__(cls, value)
        kind.label = label
        kind.text = text
        kind.description = description
        kind.manufacturers = manufacturers
        kind.position = position
        return kind

    @property
    def value(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"<NotificationKind {self.value}>"

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # copies and pickles are the registered kind again
        return get_kind, (self.value,)


_registered: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    """Make ``kind`` known (an app does it once, on import); returns it."""
    if kind.value in _registered and _registered[kind.value] is not kind:
        raise ImproperlyConfigured(f"Notification kind {kind.value!r} is registered twice.")
    if len(kind.value) > 30:
        raise ImproperlyConfigured(f"Notification kind {kind.value!r} is over 30 characters.")
    _registered[kind.value] = kind
    return kind


def get_kind(value: str) -> NotificationKind:
    """The registered kind of this value; ``ValueError`` for one nobody registered."""
    try:
        return _registered[str(value)]
    except KeyError:
        raise ValueError(f"{value!r} is not a registered notification kind") from None


def registered_kinds() -> list[NotificationKind]:
    """Every registered kind, in the settings page's order."""
    return sorted(_registered.values(), key=lambda kind: (kind.position, kind.value))


def kind_choices() -> list[tuple[str, Any]]:
    """The choices of ``Notification.kind`` and ``NotificationSetting.kind`` (a callable,
    so that migrations refer to it instead of freezing the list)."""
    return [(kind.value, kind.label) for kind in registered_kinds()]


# --- texts and links ----------------------------------------------------------------------------------


def in_languages(text: Callable[[], Any] | Any) -> dict[str, str]:
    """A parameter rendered in every site language: ``{"id": ..., "en": ...}``.

    ``text`` is a lazy translation (``gettext_lazy``/a TextChoices label) or a function
    called once per language (e.g. to format a date)."""
    values = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            values[code] = str(text() if callable(text) else text)
    return values


def _in_reader_language(value: Any) -> str:
    if not isinstance(value, Mapping):
        return str(value)
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    for code in (language, settings.LANGUAGE_CODE):
        if code in value:
            return str(value[code])
    return str(next(iter(value.values()), "?"))


class _Defaulting(dict):
    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__({key: _in_reader_language(value) for key, value in params.items()})

    def __missing__(self, key: str) -> str:
        return "?"


def notification_text(kind: str, params: Mapping[str, Any]) -> str:
    """The sentence for a notification in the active language (missing params show as ?)."""
    return str(get_kind(kind).text) % _Defaulting(params)


def reverse_or_blank(name: str, *args: Any) -> str:
    """A link for a notification, or none while the page does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
