"""Command-line tools: `flask demo`, `flask demo-feeds serve`, `flask users create` and
`reset-security-codes`, `flask worker`, `flask scan`, `flask search`.

This is the one module of the portal that may import the demo package (`portal.demo`), and only
for the demo's commands and the offline demo feeds (`DEMO_FEED_MIRROR`).
"""

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.extensions import db


def init_app(app):
    from portal.horizon.cli import scan_command
    from portal.search.cli import search_group

    app.cli.add_command(demo_command)
    app.cli.add_command(users_group)
    app.cli.add_command(scan_command)
    app.cli.add_command(demo_feeds_group)
    app.cli.add_command(search_group)
    if app.config["DEMO_FEED_MIRROR"]:  # here, as no part of the portal may know the demo
        use_demo_feed_mirror(app.config)


def use_demo_feed_mirror(config):
    """Have the demo feeds' real addresses fetched from the mirror at `DEMO_FEED_MIRROR`."""
    from portal.demo.feeds import mirror_addresses

    config["FEED_MIRRORS"] = {
        **mirror_addresses(config["DEMO_FEED_MIRROR"]),
        **config["FEED_MIRRORS"],
    }


@click.command("demo")
@click.option(
    "--scale",
    type=click.IntRange(1, 100_000),
    default=None,
    metavar="N",
    help="Also add N synthetic ideas, their innovators and a closed review round (load tests).",
)
@with_appcontext
def demo_command(scale):
    """Load demo data (idempotent) and print the demo accounts."""
    from portal.demo import DEMO_LEAD, load_demo, load_demo_token
    from portal.mail import quiet_mail_log

    with quiet_mail_log():  # the demo's own emails would bury the accounts below
        accounts = load_demo()
        token = load_demo_token()
    db.session.commit()
    click.echo("Demo accounts (email / password):")
    for role, email, password in accounts:
        click.echo(f"  {role:<15} {email:<32} {password}")
    if token:
        base = current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
        click.echo(f"Demo API token of the programme lead ({DEMO_LEAD}), every scope:")
        click.echo(f"  {token}")
        click.echo(f'  curl -H "Authorization: Bearer {token}" {base.rstrip("/")}/api/v1/pipeline')
    if not current_app.config.get("MAIL_SERVER"):
        click.echo("Emails are not sent (MAIL_SERVER is not set): each is printed in this log.")
    if scale:
        _load_scale(scale)


def _load_scale(n_ideas):
    from portal.demo.scale import MARK, load_scale_demo

    started = time.perf_counter()
    summary = load_scale_demo(n_ideas)
    db.session.commit()
    if summary is None:
        click.echo(f"Scale data (organisations named '... {MARK}') is already loaded: none added.")
        return
    states = ", ".join(f"{s.staff_label.lower()} {n:,}" for s, n in summary.by_state.items())
    click.echo(
        f"Added {summary.ideas:,} synthetic ideas ({states}) from {summary.innovators:,} "
        f"innovators in {summary.organisations:,} organisations; {summary.panel} panel members "
        f"wrote {summary.reviews:,} reviews; {summary.snapshots:,} open ideas scored. Took "
        f"{time.perf_counter() - started:.1f} s, {summary.scoring_seconds:.1f} s of it scoring."
    )


@click.group("demo-feeds")
def demo_feeds_group():
    """The offline copies of the demo feeds."""


@demo_feeds_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5081, show_default=True)
def serve_command(host, port):
    """Serve the demo feeds' copies; set DEMO_FEED_MIRROR=http://HOST:PORT for the portal."""
    from portal.demo.feeds import make_mirror

    server = make_mirror(host, port)
    click.echo(f"Serving the demo feeds on http://{host}:{server.server_address[1]}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@click.group("users")
def users_group():
    """Manage user accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--name", default=None, help="Full name (default: the part before @).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    default=["innovator"],
    show_default=True,
    type=click.Choice(["innovator", "panel_member", "programme_lead", "admin"]),
    help="A role to grant; repeat for several.",
)
@click.password_option(help="The password (prompted for, twice, when not given).")
@with_appcontext
def create_user_command(email, name, roles, password):
    """Create a user, for example the first admin: flask users create EMAIL --role admin."""
    from portal.auth.roles import Role
    from portal.auth.services import AccountError, create_user

    try:
        user = create_user(
            email, name or email.split("@")[0], password, None, roles=[Role(r) for r in roles]
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(roles)}")


@users_group.command("reset-security-codes")
@click.argument("email")
@with_appcontext
def reset_security_codes_command(email):
    """Remove a user's authenticator app and recovery codes and sign them out everywhere,
    for example an admin who has lost both (other users: an admin does it on their page)."""
    from portal.auth import mfa
    from portal.auth.services import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email address {email}")
    try:
        mfa.reset_second_factor(user, actor=None)
    except mfa.SecondFactorError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Reset the security codes of {user.email}; they are signed out everywhere.")
