"""Attachments: upload, remove and download an idea's supporting files."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge

from portal import errors
from portal.access import roles, signed_in
from portal.auth.roles import Role
from portal.extensions import db
from portal.forms import PortalForm
from portal.ideas import attachments, files
from portal.ideas.blueprint import bp
from portal.ideas.downloads import attachment_response
from portal.ideas.loading import load_idea
from portal.ideas.models import Attachment
from portal.ideas.services import IdeaError
from portal.policy import Can, may, owns

HINT = "PDF, Word, Excel, PowerPoint, PNG or JPEG. Up to 10 MB. Up to 5 files."
# Where the 413 handler leaves its message for the page it redirects to.
_PENDING_ERROR = "attachment_error"
# Read and drop at most this much of a body refused as too large (see `_too_large`).
_DRAIN_LIMIT = 32 * 1024 * 1024


class AttachmentForm(PortalForm):
    file = FileField("Upload a file", validators=[FileRequired(files.NO_FILE)], description=HINT)


@bp.route("/ideas/<reference>/attachments", methods=["GET", "POST"], endpoint="attachments")
@roles(Role.INNOVATOR)
def attachments_page(reference):
    idea = _own_idea(reference, lock=request.method == "POST")
    form = AttachmentForm()
    if request.method == "GET" and (message := session.pop(_PENDING_ERROR, None)):
        form.file.errors = [message]
    if request.method == "POST" and not may(current_user, Can.EDIT, idea):
        form.form_errors.append(attachments.not_editable_message(idea))
    elif form.validate_on_submit():
        try:
            name = _store(idea, form.file.data)
        except (IdeaError, files.FileRejected) as error:
            form.file.errors.append(str(error))
        else:
            flash(f"{name} has been added", "success")
            return redirect(url_for("ideas.attachments", reference=idea.reference))
    return _render(idea, form)


@bp.post("/ideas/<reference>/attachments/<int:attachment_id>/remove")
@roles(Role.INNOVATOR)
def remove_attachment(reference, attachment_id):
    idea = _own_idea(reference, lock=True)
    attachment = _attachment_of(idea, attachment_id)
    try:
        attachments.remove_attachment(idea, current_user, attachment)
    except IdeaError as error:
        form = AttachmentForm()
        form.form_errors.append(str(error))
        return _render(idea, form)
    name = attachment.original_name
    db.session.commit()
    flash(f"{name} has been removed", "success")
    return redirect(url_for("ideas.attachments", reference=idea.reference))


@bp.get("/ideas/<reference>/attachments/<int:attachment_id>")
@signed_in
def download_attachment(reference, attachment_id):
    idea = load_idea(reference)  # 404 unless the user may see the idea
    attachment = _attachment_of(idea, attachment_id)
    return attachment_response(attachment, files.download_name(attachment.original_name))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """A file over the request limit: back to the attachments page with the message.

    Werkzeug refuses such a body before the view runs (often in the CSRF check), so the view
    cannot answer it. Other pages of this blueprint keep the service's 413 page.
    """
    if request.endpoint != "ideas.attachments":
        return errors.render_error(413)
    _drain_unread_body()
    session[_PENDING_ERROR] = files.TOO_BIG
    return redirect(url_for("ideas.attachments", reference=request.view_args["reference"]))


def _drain_unread_body():
    """Read the refused body, so a browser still sending it sees our reply, not a reset.

    Only when Werkzeug refused on Content-Length alone and so read none of it; a larger body
    than `_DRAIN_LIMIT` is not worth a worker's time.
    """
    length = request.content_length or 0
    if not current_app.config["MAX_CONTENT_LENGTH"] < length <= _DRAIN_LIMIT:
        return
    stream = request.environ["wsgi.input"]
    while length > 0 and (chunk := stream.read(min(files.CHUNK, length))):
        length -= len(chunk)


def _own_idea(reference, lock=False):
    """The current user's own idea, or 404 (as for anyone else's idea)."""
    idea = load_idea(reference, lock=lock)
    if not owns(current_user, idea):
        abort(404)
    return idea


def _attachment_of(idea, attachment_id) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.idea_id != idea.id:
        abort(404)
    return attachment


def _store(idea, upload) -> str:
    """Check, write and record one uploaded file; return its name as shown to the user."""
    attachments.check_room(idea, current_user)  # before copying 10 MB for nothing
    try:
        stored = attachments.store_upload(upload.stream, upload.filename)
        attachments.add_attachment(idea, current_user, stored)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return stored.original_name


def _render(idea, form):
    return render_template(
        "ideas/attachments.html",
        title="Supporting documents",
        idea=idea,
        form=form,
        editable=may(current_user, Can.EDIT, idea),
        not_editable=attachments.not_editable_message(idea),
        max_files=files.MAX_FILES,
        kind_label=_kind_label,
        format_size=files.format_size,
        continue_url=url_for("ideas.show", reference=idea.reference),
    )


def _kind_label(mimetype):
    kind = files.kind_of_mimetype(mimetype)
    return kind.label if kind else "File"
