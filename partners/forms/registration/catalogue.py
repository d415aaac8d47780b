"""The catalogue lists of the registration forms, read once per page and labelled in the
active language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from components.models import Certification, ComponentType, Material, Process

Choices = list[tuple[Any, Any]]


def _by_label(entries: Iterable[Any]) -> Choices:
    """(pk, name) pairs sorted by the name shown in the active language."""
    return sorted(((entry.pk, entry.name) for entry in entries), key=lambda c: c[1].casefold())


class CatalogueChoices:
    """The catalogue lists a page needs, read once, labelled in the active language."""

    def __init__(self) -> None:
        self._cache: dict[str, Choices] = {}

    def _get(self, key: str, load) -> Choices:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    @property
    def component_types(self) -> Choices:
        return self._get("component_types", lambda: component_type_choices())

    @property
    def processes(self) -> Choices:
        return self._get("processes", lambda: _by_label(Process.objects.all()))

    @property
    def materials(self) -> Choices:
        return self._get("materials", lambda: _by_label(Material.objects.all()))

    @property
    def certifications(self) -> Choices:
        return self._get(
            "certifications",
            lambda: (
                [("", "---------")]
                + [(c.pk, c.name) for c in Certification.objects.only("pk", "name")]
            ),
        )


def component_type_choices(*, q: str = "", keep: Iterable[str] = ()) -> Choices:
    """Component types grouped by category, optionally those whose name, code or category
    contains ``q`` (plus the ``keep`` ids, so a chosen value never disappears)."""
    queryset = ComponentType.objects.select_related("category")
    groups: dict[str, list[tuple[int, str]]] = {}
    needle = q.strip().casefold()
    keep = {str(pk) for pk in keep}
    for component in queryset:
        haystack = " ".join(
            [
                component.name_id,
                component.name_en,
                component.code,
                component.category.name_id,
                component.category.name_en,
            ]
        ).casefold()
        if needle and needle not in haystack and str(component.pk) not in keep:
            continue
        groups.setdefault(component.category.name, []).append((component.pk, component.name))
    return [("", "---------")] + [
        (category, sorted(options, key=lambda option: option[1].casefold()))
        for category, options in sorted(groups.items(), key=lambda item: item[0].casefold())
    ]
