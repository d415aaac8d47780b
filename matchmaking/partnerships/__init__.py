"""Partnership brokering: what happens after the engine suggests a supplier.

Modules in dependency order (each imports only those above it):

- ``parties``: who speaks for which side of a partnership (the IKM, the manufacturer);
- ``announcements``: who is told what (notices to the parties);
- ``stages``: a partnership's stage moves, timeline notes, outcome figures, time in stage;
- ``reminders``: officers reminded of partnerships stuck in a stage;
- ``introductions``: the parties' answers to an introduction (interested or not);
- ``review``: staff decisions on suggested matches (an approval creates the partnership).
"""
