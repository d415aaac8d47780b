"""Mail from templates, files deleted after commit, people's names, paging."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.test import RequestFactory

from common.files import delete_files_on_commit
from common.mail import send_templated_mail
from common.models import OutgoingMail
from common.paging import paginate, query_without_page
from common.people import display_name


def test_display_name_prefers_the_full_name():
    User = get_user_model()
    assert display_name(User(username="budi", first_name="Budi", last_name="Santoso")) == (
        "Budi Santoso"
    )
    assert display_name(User(username="budi")) == "budi"
    assert display_name(None) == ""


@pytest.mark.django_db
def test_send_templated_mail_folds_the_subject_and_uses_the_sites_sender(
    mailoutbox, settings, tmp_path, django_capture_on_commit_callbacks
):
    (tmp_path / "subject.txt").write_text("Hello\n  {{ name }}\n")
    (tmp_path / "body.txt").write_text("Dear {{ name }},\nwelcome.\n")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_templated_mail(
            subject_template="subject.txt",
            body_template="body.txt",
            context={"name": "Budi"},
            recipients=["budi@example.com", ""],
        )
        assert mailoutbox == []  # stored with the transaction, sent by the worker after it
        assert OutgoingMail.objects.get().to == ["budi@example.com"]
    assert sent == 1
    (mail,) = mailoutbox
    assert OutgoingMail.objects.get().sent_at is not None
    assert (mail.subject, mail.to, mail.from_email) == (
        "Hello Budi",
        ["budi@example.com"],
        settings.DEFAULT_FROM_EMAIL,
    )
    assert mail.body == "Dear Budi,\nwelcome.\n"


def test_send_templated_mail_to_nobody_sends_nothing(mailoutbox):
    assert (
        send_templated_mail(subject_template="x", body_template="y", context={}, recipients=[""])
        == 0
    )
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_files_are_deleted_only_when_the_transaction_commits(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    kept = storage.save("kept.pdf", ContentFile(b"%PDF"))
    gone = storage.save("gone.pdf", ContentFile(b"%PDF"))
    with pytest.raises(RuntimeError), transaction.atomic():
        delete_files_on_commit(storage, [kept])
        raise RuntimeError("rolled back")
    with transaction.atomic():
        delete_files_on_commit(storage, [gone, None, ""])
        assert storage.exists(gone)
    assert storage.exists(kept)
    assert not storage.exists(gone)


def test_paginate_and_the_query_without_page(settings):
    settings.WORKSPACE_PAGE_SIZE = 2
    request = RequestFactory().get("/", {"page": "9", "q": "ceper"})
    page = paginate(request, list(range(5)))
    assert (page.number, list(page.object_list)) == (3, [4])
    assert query_without_page(request) == "q=ceper"
