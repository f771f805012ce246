"""The innovator's messages page: what the programme team has sent them, newest first."""

from flask import render_template
from flask_login import current_user

from portal.access import roles
from portal.auth.roles import Role
from portal.ideas.blueprint import bp
from portal.ideas.messages import messages_for


@bp.route("/messages")
@roles(Role.INNOVATOR)
def messages():
    found = messages_for(current_user)
    return render_template(
        "ideas/messages.html",
        messages=found,
        waiting=[m for m in found if m.waiting],
        title="Messages",
    )
