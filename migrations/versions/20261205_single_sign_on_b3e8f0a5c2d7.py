"""Single sign-on: external identities, and what a session knows of its provider

Revision ID: b3e8f0a5c2d7
Revises: a7d2c9e4f1b8
Create Date: 2026-12-05

An account at an OpenID provider (issuer and subject) signs in as one user. A session begun
through it keeps the ID token (for the provider's end-session endpoint at sign-out) and whether
a trusted provider asserted a second factor.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3e8f0a5c2d7"
down_revision = "a7d2c9e4f1b8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "external_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject"),
    )
    op.create_index("ix_external_identities_user_id", "external_identities", ["user_id"])
    with op.batch_alter_table("user_sessions") as batch:
        batch.add_column(sa.Column("id_token", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column(
                "provider_second_factor", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("user_sessions") as batch:
        batch.drop_column("provider_second_factor")
        batch.drop_column("id_token")
    op.drop_index("ix_external_identities_user_id", table_name="external_identities")
    op.drop_table("external_identities")
