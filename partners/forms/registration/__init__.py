"""Forms of the IKM self-service: the registration steps (``steps``: identity, location,
contact; ``capabilities`` and ``certificates``: the formsets of steps 3 and 4) and the "my
IKM" edit pages, which use the same forms.

Every step form turns its cleaned data into plain JSON for the registration draft
(``to_draft()``) and takes that JSON back as ``initial``. Catalogue choices (component
types, processes, materials, certifications) are read once per page through
:class:`~partners.forms.registration.catalogue.CatalogueChoices` and shared by every row of
a formset.
"""
