"""Attachments: up to 5 checked files per idea, kept in the database under random names, seen
only by those allowed to see the idea, and removable while the idea can be edited."""

import hashlib
import io
import re
import zipfile
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal import stored_files
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas import files
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Attachment, Idea
from portal.ideas.services import create_draft
from portal.stored_files import StoredFileChunk


def office(*parts, content_types=True):
    """A minimal Office Open XML zip holding `parts`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if content_types:
            archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for part in parts:
            archive.writestr(part, "<xml>" + "text " * 50 + "</xml>")
    return buffer.getvalue()


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
DOCX = office("word/document.xml")
XLSX = office("xl/workbook.xml", "xl/worksheets/sheet1.xml")
PPTX = office("ppt/presentation.xml", "ppt/slides/slide1.xml")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program"

ALLOWED = [
    pytest.param(name, data, mimetype, label, id=name)
    for name, data, mimetype, label in [
        ("audit.pdf", PDF, "application/pdf", "PDF"),
        ("prototype.png", PNG, "image/png", "PNG image"),
        ("ward.jpg", JPEG, "image/jpeg", "JPEG image"),
        ("ward.JPEG", JPEG, "image/jpeg", "JPEG image"),
        ("report.docx", DOCX, files.DOCX.mimetype, "Word document"),
        ("data.xlsx", XLSX, files.XLSX.mimetype, "Excel spreadsheet"),
        ("slides.pptx", PPTX, files.PPTX.mimetype, "PowerPoint presentation"),
    ]
]


def corrupt(data):
    """The zip with one byte of its first member's compressed data changed."""
    at = data.index(b"[Content_Types].xml") + len("[Content_Types].xml") + 2
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def encrypted_docx():
    """A DOCX whose entries carry the "encrypted" flag, as a password-protected zip's do."""
    data = bytearray(DOCX)
    # zipfile always writes the flag clear, so set bit 0 in each local and central header.
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for match in re.finditer(re.escape(signature), bytes(data)):
            data[match.start() + flag_offset] |= 0x1
    return bytes(data)


# --- files.py on its own: no app, no database ----------------------------------------------


@pytest.mark.parametrize(("name", "data", "mimetype", "label"), ALLOWED)
def test_sniff_recognises_each_allowed_type(name, data, mimetype, label):
    kind = files.sniff(io.BytesIO(data))
    assert kind is not None and (kind.mimetype, kind.label) == (mimetype, label)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(EXE, id="exe"),
        pytest.param(b"<html><script>alert(1)</script></html>", id="html"),
        pytest.param(b"GIF89a\x01\x00\x01\x00", id="gif"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, id="png-signature-without-IHDR"),
        pytest.param(office("word/document.xml", content_types=False), id="zip-no-content-types"),
        pytest.param(office("docs/readme.txt"), id="zip-not-office"),
        pytest.param(office("word/document.xml", "xl/workbook.xml"), id="zip-two-kinds"),
        pytest.param(office("word/document.xml", "word/vbaProject.bin"), id="macros"),
        pytest.param(encrypted_docx(), id="encrypted"),
        pytest.param(corrupt(DOCX), id="corrupt"),
        pytest.param(DOCX[: len(DOCX) // 2], id="truncated"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 100, id="zip-signature-only"),
    ],
)
def test_sniff_refuses_everything_else(data):
    assert files.sniff(io.BytesIO(data)) is None


@pytest.mark.parametrize(
    ("name", "kind", "ok"),
    [
        ("a.pdf", files.PDF, True),
        ("A.PDF", files.PDF, True),
        ("a.jpg", files.JPEG, True),
        ("a.jpeg", files.JPEG, True),
        ("a.pdf", files.PNG, False),
        ("a.xlsx", files.DOCX, False),
        ("pdf", files.PDF, False),
        ("a.pdf.exe", files.PDF, False),
    ],
)
def test_the_extension_must_agree_with_the_content(name, kind, ok):
    if ok:
        files.check_extension(name, kind)
    else:
        with pytest.raises(files.FileRejected, match="Rename it"):
            files.check_extension(name, kind)


def test_checked_upload_names_the_file_at_random_with_hash_and_size():
    with files.checked_upload(io.BytesIO(PDF), "audit.pdf") as (stored, copy):
        assert copy.read() == PDF
    assert re.fullmatch(r"[0-9a-f]{32}", stored.stored_name)
    assert (stored.original_name, stored.content_type) == ("audit.pdf", "application/pdf")
    assert stored.size_bytes == len(PDF)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()


def test_checked_upload_hands_on_a_file_larger_than_it_keeps_in_memory():
    data = PDF + b"0" * files.SPOOL_BYTES
    with files.checked_upload(io.BytesIO(data), "big.pdf") as (stored, copy):
        assert copy.read() == data and stored.size_bytes == len(data)
    assert copy.closed


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        pytest.param(b"", "empty.pdf", files.EMPTY, id="empty"),
        pytest.param(EXE, "setup.pdf", files.WRONG_TYPE, id="exe"),
        pytest.param(PNG, "chart.pdf", "is a PNG image but its name does not", id="mismatch"),
        pytest.param(PDF + b"x" * (1001 - len(PDF)), "big.pdf", files.TOO_BIG, id="too-big"),
        pytest.param(PDF, "", files.NO_FILE, id="no-name"),
    ],
)
def test_checked_upload_refuses_before_yielding(data, name, message):
    with pytest.raises(files.FileRejected, match=re.escape(message)):
        with files.checked_upload(io.BytesIO(data), name, max_bytes=1000):
            pytest.fail("a refused file was handed on")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\fakepath\\audit.pdf", "audit.pdf"),
        ("/home/me/audit.pdf", "audit.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("two\n lines\t.pdf", "two lines .pdf"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_clean_name(raw, clean):
    assert files.clean_name(raw) == clean


def test_download_name_has_no_characters_unsafe_in_headers_or_file_systems():
    assert files.download_name('<img src=x onerror=alert(1)>"a".pdf') == (
        "_img src=x onerror=alert(1)__a_.pdf"
    )


@pytest.mark.parametrize(
    ("size", "text"),
    [(1, "1 KB"), (1024, "1 KB"), (1025, "2 KB"), (1536 * 1024, "1.5 MB"), (10 << 20, "10.0 MB")],
)
def test_format_size(size, text):
    assert files.format_size(size) == text


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def create_idea(app, connection):
    """Factory: a draft idea owned by `owner` (then put in `state`); returns its reference."""

    def factory(owner, state=IdeaState.DRAFT):
        with app.app_context():
            idea = create_draft(db.session.get(User, owner.id))
            idea.state = state  # a shortcut that only tests take
            db.session.commit()
            return idea.reference

    return factory


@pytest.fixture
def idea(create_idea, innovator_client):
    return create_idea(innovator_client.user)


def set_state(query, reference, state):
    def change():
        db.session.scalar(sa.select(Idea).filter_by(reference=reference)).state = state
        db.session.commit()

    query(change)


def upload(client, reference, name, data):
    # Encoded in memory: the test client would spool a large body to a temporary file that
    # nothing closes (a ResourceWarning, so an error here).
    part = FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream")
    boundary, body = encode_multipart({"file": part})
    return client.post(
        f"/ideas/{reference}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def download(client, reference, attachment_id):
    """GET a file as Chromium would (compression accepted), read it and close the response
    (which closes the file)."""
    address = f"/ideas/{reference}/attachments/{attachment_id}"
    with client.get(address, headers={"Accept-Encoding": "gzip, deflate, br, zstd"}) as response:
        response.get_data()
    return response


def stored(query, reference):
    """(id, original name, stored name, content type, size, sha256) of the idea's files."""
    return query(
        lambda: db.session.execute(
            sa.select(
                Attachment.id,
                Attachment.original_name,
                Attachment.stored_name,
                Attachment.content_type,
                Attachment.size_bytes,
                Attachment.sha256,
            )
            .join(Idea)
            .where(Idea.reference == reference)
            .order_by(Attachment.id)
        ).all()
    )


def audit_actions(query, reference):
    def run():
        idea_id = db.session.scalar(sa.select(Idea.id).filter_by(reference=reference))
        return db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "ideas", AuditEvent.object_id == str(idea_id))
            .order_by(AuditEvent.id)
        ).all()

    return query(run)


def kept(query):
    """The stored names that have bytes in the database."""
    return query(
        lambda: db.session.scalars(
            sa.select(StoredFileChunk.stored_name).distinct().order_by(StoredFileChunk.stored_name)
        ).all()
    )


def kept_bytes(query, stored_name):
    return query(lambda: b"".join(stored_files.read_file(stored_name)))


def test_the_page_offers_an_nhs_file_upload(innovator_client, idea):
    response = innovator_client.get(f"/ideas/{idea}/attachments")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Supporting documents (optional)" in html
    assert 'enctype="multipart/form-data"' in html
    assert 'class="nhsuk-file-upload__input" id="file" name="file" type="file"' in html
    assert "PDF, Word, Excel, PowerPoint, PNG or JPEG. Up to 10 MB. Up to 5 files." in html
    assert "Do not upload anything that could identify a patient" in html
    assert f'href="/ideas/{idea}"' in html  # Continue, back to the task list


@pytest.mark.parametrize(("name", "data", "mimetype", "label"), ALLOWED)
def test_each_allowed_type_is_added(innovator_client, idea, query, name, data, mimetype, label):
    response = upload(innovator_client, idea, name, data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ideas/{idea}/attachments"
    html = innovator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{name} has been added" in html and f"{label}, 1 KB" in html
    [(_, original, stored_name, content_type, size, sha256)] = stored(query, idea)
    assert (original, content_type, size) == (name, mimetype, len(data))
    assert re.fullmatch(r"[0-9a-f]{32}", stored_name)
    assert kept(query) == [stored_name]  # a random name, and nothing half-written
    assert kept_bytes(query, stored_name) == data
    assert len(sha256) == 64
    assert audit_actions(query, idea)[-1] == "idea.attachment_added"


BAD_FILES = [
    pytest.param("setup.pdf", EXE, files.WRONG_TYPE, id="exe-renamed-pdf"),
    pytest.param("empty.pdf", b"", files.EMPTY, id="empty"),
    pytest.param(
        "chart.pdf", PNG, "is a PNG image but its name does not end in .png", id="png-named-pdf"
    ),
    pytest.param("notes.xlsx", DOCX, "is a Word document but its name", id="docx-named-xlsx"),
    pytest.param("corrupt.docx", corrupt(DOCX), files.WRONG_TYPE, id="corrupt-docx"),
    pytest.param(
        "big.pdf", PDF + b"0" * (files.MAX_FILE_BYTES - len(PDF) + 1), files.TOO_BIG, id="10MB+1"
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_bad_files_are_refused_and_nothing_else_is_lost(
    innovator_client, idea, query, name, data, message
):
    upload(innovator_client, idea, "kept.pdf", PDF)
    before = stored(query, idea)
    response = upload(innovator_client, idea, name, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and 'href="#file"' in html
    assert "nhsuk-error-message" in html and message in html
    assert "kept.pdf" in html  # the files already added are still listed
    assert stored(query, idea) == before
    assert kept(query) == [before[0].stored_name]


@contextmanager
def csrf_checked(app, on=True):
    """Check CSRF tokens, as in production, where the check is what first reads a body."""
    saved = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = on
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = saved


@pytest.mark.parametrize("csrf", [False, True], ids=["view-reads-body", "csrf-reads-body"])
def test_a_file_over_the_request_limit_returns_to_the_page_with_a_message(
    app, innovator_client, idea, query, csrf
):
    upload(innovator_client, idea, "kept.pdf", PDF)
    with csrf_checked(app, csrf):
        response = upload(innovator_client, idea, "huge.pdf", PDF + b"0" * (11 * 1024 * 1024))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ideas/{idea}/attachments"
    html = innovator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "There is a problem" in html and files.TOO_BIG in html
    assert 'href="#file"' in html and "nhsuk-error-message" in html
    assert "kept.pdf" in html
    assert len(stored(query, idea)) == 1 and len(kept(query)) == 1
    # The message is shown once, not on every later visit.
    again = innovator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert files.TOO_BIG not in again


@pytest.mark.parametrize(("megabytes", "drained"), [(11, True), (40, False)])
def test_a_refused_body_is_read_first_so_the_browser_sees_the_reply(
    innovator_client, idea, megabytes, drained
):
    """Behind gunicorn, answering before the browser has sent its whole upload shows it a
    reset connection instead of the page (seen with Chromium); so a refused body of sensible
    size is read and dropped first."""
    part = FileStorage(io.BytesIO(PDF + b"0" * (megabytes << 20)), filename="huge.pdf")
    boundary, body = encode_multipart({"file": part})
    stream = io.BytesIO(body)
    response = innovator_client.post(
        f"/ideas/{idea}/attachments",
        input_stream=stream,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 302
    assert stream.tell() == (len(body) if drained else 0)


def test_a_file_of_exactly_10_mb_is_accepted(innovator_client, idea, query):
    data = PDF + b"0" * (files.MAX_FILE_BYTES - len(PDF))
    assert upload(innovator_client, idea, "big.pdf", data).status_code == 302
    [row] = stored(query, idea)
    assert row.size_bytes == files.MAX_FILE_BYTES
    assert "10.0 MB" in innovator_client.get(f"/ideas/{idea}/attachments").get_data(as_text=True)


def test_other_pages_of_ideas_keep_the_413_page(innovator_client, idea, app):
    body = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    with csrf_checked(app):
        response = innovator_client.post(f"/ideas/{idea}/attachments/1/remove", data={"x": body})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_a_sixth_file_is_refused(innovator_client, idea, query):
    for n in range(files.MAX_FILES):
        assert upload(innovator_client, idea, f"file{n}.pdf", PDF).status_code == 302
    page = innovator_client.get(f"/ideas/{idea}/attachments").get_data(as_text=True)
    assert "You have added 5 files, the most you can" in page
    response = upload(innovator_client, idea, "sixth.pdf", PDF)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You can add up to 5 files. Remove one before you add another" in html
    assert "file4.pdf" in html and "sixth.pdf" not in html
    assert len(stored(query, idea)) == 5 and len(kept(query)) == 5


def test_no_file_selected(innovator_client, idea):
    response = innovator_client.post(f"/ideas/{idea}/attachments", data={})
    assert response.status_code == 200
    assert files.NO_FILE in response.get_data(as_text=True)


def test_a_filename_with_html_is_shown_escaped(innovator_client, idea, query):
    name = "<img src=x onerror=alert(1)>.pdf"
    assert upload(innovator_client, idea, name, PDF).status_code == 302
    html = innovator_client.get(f"/ideas/{idea}/attachments").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in html
    [row] = stored(query, idea)
    response = download(innovator_client, idea, row.id)
    assert "<" not in response.headers["Content-Disposition"]


def test_the_owner_downloads_with_safe_headers(innovator_client, idea, query):
    upload(innovator_client, idea, "ward audit.pdf", PDF)
    [row] = stored(query, idea)
    response = download(innovator_client, idea, row.id)
    assert response.status_code == 200
    assert response.get_data() == PDF and "Content-Encoding" not in response.headers
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "ward audit.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_another_innovator_gets_404_for_the_idea_and_its_files(
    innovator_client, client_for, idea, query
):
    upload(innovator_client, idea, "audit.pdf", PDF)
    [row] = stored(query, idea)
    other = client_for(Role.INNOVATOR)
    assert other.get(f"/ideas/{idea}/attachments").status_code == 404
    assert other.get(f"/ideas/{idea}/attachments/{row.id}").status_code == 404
    assert upload(other, idea, "mine.pdf", PDF).status_code == 404
    assert other.post(f"/ideas/{idea}/attachments/{row.id}/remove").status_code == 404
    assert stored(query, idea) == [row] and kept(query) == [row.stored_name]


def test_an_attachment_is_only_found_under_its_own_idea(innovator_client, create_idea, idea, query):
    second = create_idea(innovator_client.user)
    upload(innovator_client, idea, "audit.pdf", PDF)
    [row] = stored(query, idea)
    assert innovator_client.get(f"/ideas/{second}/attachments/{row.id}").status_code == 404
    assert innovator_client.post(f"/ideas/{second}/attachments/{row.id}/remove").status_code == 404
    assert innovator_client.get(f"/ideas/{idea}/attachments/999999").status_code == 404


def test_a_lead_sees_files_only_once_the_idea_is_submitted(
    innovator_client, lead_client, idea, query
):
    upload(innovator_client, idea, "audit.pdf", PDF)
    [row] = stored(query, idea)
    assert download(lead_client, idea, row.id).status_code == 404  # leads never see drafts
    set_state(query, idea, IdeaState.SUBMITTED)
    response = download(lead_client, idea, row.id)
    assert response.status_code == 200 and response.get_data() == PDF
    assert lead_client.get(f"/ideas/{idea}/attachments").status_code == 403  # owners' page


def test_removing_a_file_from_a_draft_deletes_it(innovator_client, idea, query):
    upload(innovator_client, idea, "keep.pdf", PDF)
    upload(innovator_client, idea, "drop.png", PNG)
    keep, drop = stored(query, idea)
    response = innovator_client.post(f"/ideas/{idea}/attachments/{drop.id}/remove")
    assert response.status_code == 302
    assert "drop.png has been removed" in innovator_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert stored(query, idea) == [keep]
    assert kept(query) == [keep.stored_name]
    assert audit_actions(query, idea)[-1] == "idea.attachment_removed"
    assert innovator_client.get(f"/ideas/{idea}/attachments/{drop.id}").status_code == 404


def test_files_cannot_change_once_submitted(innovator_client, idea, query):
    upload(innovator_client, idea, "audit.pdf", PDF)
    [row] = stored(query, idea)
    set_state(query, idea, IdeaState.SUBMITTED)
    page = innovator_client.get(f"/ideas/{idea}/attachments").get_data(as_text=True)
    assert "so you cannot add or remove files now" in page
    assert 'type="file"' not in page and "/remove" not in page
    assert f"/ideas/{idea}/attachments/{row.id}" in page  # still downloadable
    for response in (
        innovator_client.post(f"/ideas/{idea}/attachments/{row.id}/remove"),
        upload(innovator_client, idea, "more.pdf", PDF),
    ):
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "There is a problem" in html and "cannot add or remove files now" in html
    assert stored(query, idea) == [row] and kept(query) == [row.stored_name]


def test_files_can_change_again_when_information_is_requested(innovator_client, idea, query):
    upload(innovator_client, idea, "audit.pdf", PDF)
    [row] = stored(query, idea)
    set_state(query, idea, IdeaState.INFORMATION_REQUESTED)
    assert upload(innovator_client, idea, "more.pdf", PDF).status_code == 302
    assert innovator_client.post(f"/ideas/{idea}/attachments/{row.id}/remove").status_code == 302
    assert [r.original_name for r in stored(query, idea)] == ["more.pdf"]


def test_signed_out_visitors_are_sent_to_sign_in(client, idea):
    assert client.get(f"/ideas/{idea}/attachments").status_code == 302
    assert client.get(f"/ideas/{idea}/attachments/1").status_code == 302
    assert client.post(f"/ideas/{idea}/attachments/1/remove").status_code == 401
