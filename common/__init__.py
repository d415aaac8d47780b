"""The bottom layer: helpers every app may import and that import no app.

Form helpers (one rupiah field, Bootstrap classes, service errors on fields), HTMX and
paging helpers, model bases, e-mail from templates, files deleted after commit, admin
bases and how a person is named. See docs/architecture.md."""
