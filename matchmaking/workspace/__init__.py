"""The workspace: what ministry staff and the parties see.

``views/`` (HTML pages, one module per area), ``forms.py`` (forms the pages post),
``selectors/`` (the read-side queries the pages and the API share), ``filters/`` (one
FilterSet per list, shared by the page and the API), ``api/`` (the REST API), ``exports.py``
(lists as spreadsheets), ``urls.py`` (the staff workspace, namespace ``workspace``) and
``inbox_urls.py`` (the parties' introductions inbox, namespace ``inbox``). Writes go through
the services of ``matchmaking.partnerships``, ``matchmaking`` (rescoring) and ``partners``.
"""
