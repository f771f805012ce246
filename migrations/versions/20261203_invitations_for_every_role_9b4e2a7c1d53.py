"""Invitations for every role: panel_invitations becomes invitations, with the role invited to

Revision ID: 9b4e2a7c1d53
Revises: 754238509c2e
Create Date: 2026-12-03

Leads invite panel members and admins invite people to any role through one invitation
service (portal/auth/invitations.py). Every existing invitation was to the review panel, so
it keeps working as an invitation to the panel member role; a downgrade keeps only those.
"""

import sqlalchemy as sa
from alembic import op

revision = "9b4e2a7c1d53"
down_revision = "754238509c2e"
branch_labels = None
depends_on = None

COLUMNS = "id, email, name, token_hash, invited_by_id, created_at, expires_at, accepted_at"


def _create(table, *extra):
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        *extra,
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f(f"fk_{table}_invited_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("token_hash", name=op.f(f"uq_{table}_token_hash")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_email"), ["email"], unique=False)


def _drop(table):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table}_email"))
    op.drop_table(table)


def _restart_ids(table):
    """PostgreSQL: the copied ids were given explicitly, so move the sequence past them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def upgrade():
    role = sa.Enum(
        "innovator",
        "panel_member",
        "programme_lead",
        "admin",
        name="role",
        native_enum=False,
        length=40,
    )
    _create("invitations", sa.Column("role", role, nullable=False))
    op.execute(
        f"INSERT INTO invitations ({COLUMNS}, role) "
        f"SELECT {COLUMNS}, 'panel_member' FROM panel_invitations"
    )
    _restart_ids("invitations")
    _drop("panel_invitations")


def downgrade():
    _create("panel_invitations")
    op.execute(
        f"INSERT INTO panel_invitations ({COLUMNS}) "
        f"SELECT {COLUMNS} FROM invitations WHERE role = 'panel_member'"
    )
    _restart_ids("panel_invitations")
    _drop("invitations")
