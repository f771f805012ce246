"""Background tasks on a real Celery worker (in a thread, on Celery's in-memory broker): a task
that fails for good is kept for admins, listed by `flask tasks failed`, shown on the admin page
and sent again from either, by admins only. (Mail's claim: tests/portal/test_cli.py; workers
killed mid-task: tests/portal/test_many_nodes.py.)"""

import sqlalchemy as sa
from celery.contrib.testing.worker import start_worker

from portal.auth import services
from portal.auth.roles import Role
from portal.background import task
from portal.background.failures import TaskFailure
from portal.background.registry import DECLARED
from portal.extensions import db
from tests.portal.nodes import wait_for

ATTEMPTS = []


@task("tests.always_fails", retries=1, retry_backoff=False, default_retry_delay=0)
def always_fails(reason):
    ATTEMPTS.append(reason)
    raise RuntimeError(f"the task failed: {reason}")


def failures(app):
    with app.app_context():
        rows = db.session.scalars(sa.select(TaskFailure).order_by(TaskFailure.id)).all()
        db.session.expunge_all()
        return rows


def test_a_task_that_fails_for_good_is_kept_listed_and_sent_again(committed_app):
    app = committed_app
    ATTEMPTS.clear()
    celery = app.extensions["celery"]
    with start_worker(celery, pool="solo", perform_ping_check=False):
        celery.tasks["tests.always_fails"].apply_async(("feed 7",))
        wait_for(lambda: failures(app), 15, what="the failure to be recorded")
        assert ATTEMPTS == ["feed 7", "feed 7"]  # tried, retried once, then kept
        [failure] = failures(app)
        assert (failure.task, failure.arguments, failure.retries) == (
            "tests.always_fails",
            '["feed 7"]',
            1,
        )
        assert failure.error == "RuntimeError: the task failed: feed 7"

        runner = app.test_cli_runner()
        listed = runner.invoke(args=["tasks", "failed"]).output
        assert (
            f"#{failure.id}" in listed and 'tests.always_fails["feed 7"] after 1 retries' in listed
        )
        assert "Sent" in runner.invoke(args=["tasks", "resend", str(failure.id)]).output
        wait_for(lambda: len(failures(app)) == 2, 15, what="the second failure")
        assert ATTEMPTS == ["feed 7"] * 4
        assert failures(app)[0].resent_at is not None
        assert (
            "No failed task has the number 999"
            in runner.invoke(args=["tasks", "resend", "999"]).output
        )


def test_admins_see_failed_tasks_and_send_them_again_others_may_not(committed_app):
    app = committed_app
    with app.app_context():
        admin = services.create_user(
            "admin@example.org", "Ada Admin", "pw", None, roles=(Role.ADMIN,), check_password=False
        )
        lead = services.create_user(
            "lead@example.org",
            "Lee Lead",
            "pw",
            None,
            roles=(Role.PROGRAMME_LEAD,),
            check_password=False,
        )
        db.session.add(
            TaskFailure(task="horizon.scan_feed", job_id="j1", arguments="[3]", error="OSError: x")
        )
        db.session.commit()
        failure_id = db.session.scalar(sa.select(TaskFailure.id))
        admin_email, lead_email = admin.email, lead.email

    def signed_in(email):
        client = app.test_client()
        response = client.post("/sign-in", data={"email": email, "password": "pw"})
        assert response.status_code == 302
        return client

    lead = signed_in(lead_email)
    assert lead.get("/admin/tasks").status_code == 403
    assert lead.post(f"/admin/tasks/{failure_id}/resend").status_code == 403

    admin = signed_in(admin_email)
    page = admin.get("/admin/tasks").get_data(as_text=True)
    assert "horizon.scan_feed" in page and "OSError: x" in page and "Send again" in page
    celery = app.extensions["celery"]
    with start_worker(celery, pool="solo", perform_ping_check=False):
        response = admin.post(f"/admin/tasks/{failure_id}/resend", follow_redirects=True)
        assert "horizon.scan_feed is queued again" in response.get_data(as_text=True)
    assert failures(app)[0].resent_at is not None
    assert "Sent again" in admin.get("/admin/tasks").get_data(as_text=True)
    assert admin.post("/admin/tasks/999/resend").status_code == 404


def test_every_task_is_declared_with_a_name_of_its_part():
    names = set(DECLARED) - {"tests.always_fails"}
    assert names == {
        "horizon.scan_due_feeds",
        "horizon.scan_feed",
        "horizon.rescore",
        "pipeline.refresh_snapshots",
        "search.update_index",
        "mail.deliver",
        "auth.prune",
    }
