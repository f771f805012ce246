"""Sending an attachment: streamed from the database, with headers that keep a browser from
running it. The caller has already checked that the user may have it."""

import unicodedata
from urllib.parse import quote

from flask import abort, current_app, request, stream_with_context

from portal import stored_files
from portal.ideas.models import Attachment


def attachment_response(attachment: Attachment, download_name: str):
    """The attachment's bytes as a download named `download_name`, or 404 if they are lost."""
    if not stored_files.has_file(attachment.stored_name):
        current_app.logger.error("attachment %s has no stored file", attachment.id)
        abort(404)
    # stream_with_context keeps the request, and so the database session, open while the
    # server sends the body chunk by chunk.
    response = current_app.response_class(
        stream_with_context(stored_files.read_file(attachment.stored_name)),
        mimetype=attachment.content_type,
        direct_passthrough=True,
    )
    response.headers.set("Content-Disposition", "attachment", **_filename_parameters(download_name))
    response.content_length = attachment.size_bytes
    response.last_modified = attachment.uploaded_at
    response.set_etag(attachment.sha256)
    response.make_conditional(request, accept_ranges=True, complete_length=attachment.size_bytes)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # Should a browser ever render the file anyway, it runs nothing and loads nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _filename_parameters(name: str) -> dict[str, str]:
    """Content-Disposition's name parameters, as `send_file` writes them (RFC 6266)."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+-.^_`|~')}"}
    return {"filename": name}
