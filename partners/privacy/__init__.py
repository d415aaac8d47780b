"""Privacy: what is stored about an organisation, its export, deletion requests and
anonymisation.

*Personal data* here are the contact person's name, phone and e-mail of an organisation
(``Organisation.contact_*``) and the names and e-mails of its users. They are shown only to
the organisation's own people, to ministry staff and, after both sides said *interested*, to
the counterpart of an introduction.

An owner (or a manufacturer's member) can download everything stored about the
organisation (:mod:`partners.privacy.export`) and ask for its deletion
(:mod:`partners.privacy.deletion`). Staff confirm — the organisation is then anonymised
(:mod:`partners.privacy.anonymisation`) — or refuse with a note. The privacy page's
overview is :mod:`partners.privacy.summary`.

Partners may not import the matching engine (arrows point ``matchmaking → partners``), yet
the export must contain the matches and partnerships, and anonymisation must scrub their
notes. So matchmaking registers an export section and an anonymiser in
:mod:`partners.privacy.registry`, in its ``AppConfig.ready()`` (see
``matchmaking/privacy.py``).

Modules, bottom up: ``registry`` and ``summary`` import no sibling; ``export`` imports
both; ``anonymisation`` imports ``registry`` and ``summary``; ``deletion`` imports ``summary`` and
``anonymisation``.
"""
