"""Uploaded documents under /documents/ (see partners/urls.py), streamed from the private
storage only to those allowed to see them:

- a certificate scan to the IKM's owner and to staff;
- a demand's technical drawing to the members of the demand's manufacturer and to staff;
- a scan uploaded during registration (still in the draft) to the draft's owner.

Anyone else gets 404, whether or not the document exists. The content type comes from the
file's first bytes (only PDF, PNG and JPEG are ever accepted), with ``nosniff`` so a browser
never guesses another one; PDFs and images open in the browser, ``?download=1`` saves them.
"""

from __future__ import annotations

from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from common.typing import AuthenticatedHttpRequest

from ..models import Demand, SupplierCertification
from ..selectors.registration import draft_document_name
from ..uploads import private_storage, sniff_extension

CONTENT_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg"}


def _stream(request: HttpRequest, name: str | None, download_name: str) -> FileResponse:
    """The stored file ``name`` as a response, or 404 if it is gone."""
    if not name:
        raise Http404
    try:
        handle = private_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError) as error:
        raise Http404 from error
    extension = sniff_extension(handle.read(16))
    handle.seek(0)
    content_type = CONTENT_TYPES.get(extension or "", "application/octet-stream")
    stem = PurePath(download_name).stem or "document"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=request.GET.get("download") == "1" or extension is None,
        filename=f"{stem}{extension or ''}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@login_required
def certificate_document(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """A certificate's scan, for the IKM's owner and staff."""
    certificates = SupplierCertification.objects.select_related("supplier", "certification")
    certificates = certificates.filter(pk=pk)
    if not request.user.is_staff:
        certificates = certificates.filter(supplier__owner=request.user)
    held = certificates.first()
    if held is None:
        raise Http404
    name = f"{slugify(held.certification.code)}-{slugify(held.number.replace('/', '-'))}"
    return _stream(request, held.document.name, name)


@require_GET
@login_required
def drawing_document(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """A demand's technical drawing, for its manufacturer's members and staff."""
    demands = Demand.objects.filter(pk=pk)
    if not request.user.is_staff:
        demands = demands.filter(manufacturer__members=request.user)
    demand = demands.first()
    if demand is None:
        raise Http404
    return _stream(request, demand.drawing.name, f"drawing-{demand.pk}-{slugify(demand.title)}")


@require_GET
@login_required
def draft_document(request: AuthenticatedHttpRequest, key: str) -> FileResponse:
    """A scan uploaded during registration, for the owner of the draft only."""
    found = draft_document_name(owner=request.user, key=key)
    if found is None:
        raise Http404
    name, original = found
    return _stream(request, name, original)


urlpatterns = [
    path("certificates/<int:pk>/", certificate_document, name="certificate_document"),
    path("drawings/<int:pk>/", drawing_document, name="drawing_document"),
    path("drafts/<str:key>/", draft_document, name="draft_document"),
]
