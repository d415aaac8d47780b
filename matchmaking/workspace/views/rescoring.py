"""Staff workspace: rescoring control — the policy in force, the scoring runs, starting a
full rescore and its live progress bar (see matchmaking/workspace/urls.py).

In embedded mode (no broker) the rescore runs inside the start request, so the run is
finished when the page comes back; with a broker a worker runs it and the page polls the
progress partial every two seconds until it answers 286 (htmx: stop polling)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from common.htmx import wants_fragment
from common.paging import paginate, query_without_page
from matchmaking.choices import ScoringRunStatus
from matchmaking.engine import scheduling
from matchmaking.engine.runs import full_run_unfinished
from matchmaking.models import ScoringRun
from partners.permissions import staff_required

from ..forms import RescoreStartForm
from ..selectors.rescoring import (
    FINISHED,
    full_run_current,
    policy_in_force,
    policy_weight_rows,
    scoring_run_get,
    scoring_run_list,
)

logger = logging.getLogger(__name__)

PROGRESS = "matchmaking/partials/_rescoring_progress.html"


def start_full_rescore(*, by, reason: str) -> ScoringRun:
    """The guarded start (see ``scheduling.full_rescore_request``), re-read afterwards: in
    embedded mode the task ran when the transaction committed, so the run is finished."""
    run = scheduling.full_rescore_request(triggered_by=by, reason=reason)
    run.refresh_from_db()
    return run


def page_context(request: HttpRequest, *, form: RescoreStartForm) -> dict[str, Any]:
    policy = policy_in_force()
    current = full_run_current()
    page_obj = paginate(request, scoring_run_list(), per_page=20)
    return {
        "policy": policy,
        "weights": policy_weight_rows(policy) if policy else [],
        "current": current,
        "in_progress": current is not None and current.status not in FINISHED,
        "form": form,
        "page_obj": page_obj,
        "runs": page_obj.object_list,
        "query": query_without_page(request),
    }


@staff_required
def rescoring(request: HttpRequest) -> HttpResponse:
    return render(
        request, "matchmaking/rescoring.html", page_context(request, form=RescoreStartForm())
    )


def running_message(run: ScoringRun) -> str:
    """What the start button cannot do, and why: the unfinished run is being resumed (its
    worker stopped), is running, or waits for a worker."""
    values = {"run": run.pk, "done": run.done, "total": run.total}
    if scheduling.run_stalled(run):
        text = _(
            "Full rescore #%(run)s stopped at %(done)s of %(total)s demands (its worker "
            "gave no sign of life); it is being resumed from there within a minute."
        )
    elif run.status == ScoringRunStatus.RUNNING:
        text = _(
            "Full rescore #%(run)s is running: %(done)s of %(total)s demands scored. "
            "A new one can start when it has finished."
        )
    else:
        text = _(
            "Full rescore #%(run)s is waiting for a worker to start it (%(total)s demands). "
            "A new one can start when it has finished."
        )
    return str(text) % values


@staff_required
@require_POST
def rescoring_start(request: HttpRequest) -> HttpResponse:
    form = RescoreStartForm(request.POST)
    if not form.is_valid():
        return render(request, "matchmaking/rescoring.html", page_context(request, form=form))
    try:
        run = start_full_rescore(by=request.user, reason=form.cleaned_data["reason"])
    except scheduling.RescoreAlreadyRunning as refused:
        form.add_error(None, running_message(refused.run))
        return render(
            request, "matchmaking/rescoring.html", page_context(request, form=form), status=409
        )
    except Exception:
        # Embedded mode runs the task in this request; the run records the error itself.
        logger.exception("full rescore failed in the web process")
        messages.error(request, _("The full rescore stopped on an error; see the runs below."))
        return redirect("workspace:rescoring")
    if run.status == ScoringRunStatus.DONE:
        messages.success(
            request,
            _("Full rescore #%(run)s finished: %(done)s demands scored.")
            % {"run": run.pk, "done": run.done},
        )
    elif run.status == ScoringRunStatus.FAILED:
        messages.error(
            request, _("Full rescore #%(run)s failed; see its errors below.") % {"run": run.pk}
        )
    else:
        messages.info(
            request,
            _("Full rescore #%(run)s started; its progress shows below.") % {"run": run.pk},
        )
    return redirect("workspace:rescoring")


@staff_required
def rescoring_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar of one run, polled by htmx; 286 once the run is finished."""
    run = scoring_run_get(pk=pk)
    if run is None:
        raise Http404
    finished = run.status in FINISHED
    context = {"run": run, "polling": not finished, "oob": wants_fragment(request)}
    if finished and wants_fragment(request):
        context["form"] = RescoreStartForm()
        context["in_progress"] = full_run_unfinished() is not None
    if not finished:
        return render(request, PROGRESS, context)
    # htmx stops polling an element whose request answers 286
    return HttpResponseStopPolling(render_to_string(PROGRESS, context, request=request))


urlpatterns = [
    path("", rescoring, name="rescoring"),
    path("start/", rescoring_start, name="rescoring_start"),
    path("runs/<int:pk>/progress/", rescoring_progress, name="rescoring_progress"),
]
