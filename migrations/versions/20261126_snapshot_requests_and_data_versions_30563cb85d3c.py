"""snapshot requests and data versions

Revision ID: 30563cb85d3c
Revises: 69836b37c01f
Create Date: 2026-11-26 17:40:02.036978

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "30563cb85d3c"
down_revision = "69836b37c01f"
branch_labels = None
depends_on = None


def upgrade():
    data_versions = op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_versions")),
    )
    # seeded so the first writers update a row rather than race to insert it
    op.bulk_insert(data_versions, [{"name": "pipeline", "token": ""}])
    op.create_table(
        "snapshot_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_snapshot_requests_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot_requests")),
    )


def downgrade():
    op.drop_table("snapshot_requests")
    op.drop_table("data_versions")
