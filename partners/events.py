"""Announcements of partner changes, for apps that must react without partners knowing them.

Arrows point ``matchmaking → partners → components``: partners may not import the matching
engine, yet the engine must rescore when a supplier or a demand changes. So the services in
``partners.services`` (and the admin, which edits rows directly) announce each change on one
of the events below, and the engine subscribes in its ``AppConfig.ready()``::

    from partners import events

    events.supplier_changed.connect(on_supplier_changed)  # called as fn(supplier_id=...)
    events.demand_changed.connect(on_demand_changed)  # called as fn(demand_id=...)

Events are sent *inside* the writing transaction, synchronously, in the order the receivers
connected. A receiver that enqueues work must therefore wrap it in
``transaction.on_commit(...)``, so nothing runs for a change that is rolled back and a worker
never reads rows before they are committed. An exception raised by a receiver propagates and
rolls the change back.

These are deliberately plain callback registries rather than Django signals: they are sent
only by explicit calls from the services, never as a side effect of ``Model.save()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Receiver = Callable[..., Any]


class Event:
    """A named list of callbacks, each called with the keyword arguments given to ``send``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Receiver] = []

    def __repr__(self) -> str:
        return f"<Event {self.name}: {len(self._receivers)} receiver(s)>"

    def connect(self, receiver: Receiver) -> Receiver:
        """Subscribe ``receiver`` (once, however often it is connected); usable as decorator."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Receiver) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    def send(self, **kwargs: Any) -> None:
        for receiver in list(self._receivers):
            receiver(**kwargs)


#: A supplier, its capabilities, certifications or verification changed, or it was deleted.
#: Sent with ``supplier_id``.
supplier_changed = Event("supplier_changed")

#: A demand was created, edited, changed status or was deleted. Sent with ``demand_id``.
demand_changed = Event("demand_changed")

#: A demand's specification changed in a way that matters to suppliers (component, material,
#: processes, quantity, certifications, plant, dates, text or drawing). Sent with
#: ``demand_id`` and ``fields`` (the names of the changed fields), besides demand_changed.
demand_specification_changed = Event("demand_specification_changed")
