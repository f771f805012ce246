"""Reference numbers and idea ids are never given out twice, even after a draft is deleted

Revision ID: d823e57c8fae
Revises: ece2ac2f4f37
Create Date: 2026-12-03

An innovator may delete a draft. A reference was the period's highest + 1, so the next idea
got a deleted newest draft's number: a counter per period now keeps the last number given out,
started here from the ideas there are and the drafts already deleted (each `idea.deleted`
audit event records the reference). On SQLite the ideas table is rebuilt with AUTOINCREMENT,
so a deleted idea's id, which its audit events name, is not given to the next idea either;
its sequence starts above every idea id the audit trail names. PostgreSQL's sequences never
hand an id out twice.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "d823e57c8fae"
down_revision = "ece2ac2f4f37"
branch_labels = None
depends_on = None

REFERENCE = re.compile(r"^PSI-(\d{4})-(\d{4,})-\d$")
ideas = sa.table("ideas", sa.column("reference", sa.String))
audit_events = sa.table(
    "audit_events", sa.column("action", sa.String), sa.column("details", sa.JSON)
)


def upgrade():
    counters = op.create_table(
        "reference_counters",
        sa.Column("period", sa.String(length=4), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_reference_counters")),
    )
    bind = op.get_bind()
    given = list(bind.scalars(sa.select(ideas.c.reference)))
    deleted = sa.select(audit_events.c.details).where(audit_events.c.action == "idea.deleted")
    given += [(details or {}).get("reference") for details in bind.scalars(deleted)]
    last: dict[str, int] = {}
    for match in filter(None, (REFERENCE.match(ref) for ref in given if isinstance(ref, str))):
        period, sequence = match.group(1), int(match.group(2))
        last[period] = max(last.get(period, 0), sequence)
    op.bulk_insert(counters, [{"period": p, "last_sequence": n} for p, n in last.items()])

    if bind.dialect.name == "sqlite":
        with op.batch_alter_table(
            "ideas", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass
        op.execute("DELETE FROM sqlite_sequence WHERE name = 'ideas'")
        op.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'ideas', max("
            "coalesce((SELECT max(id) FROM ideas), 0), "
            "coalesce((SELECT max(CAST(object_id AS INTEGER)) FROM audit_events "
            "WHERE object_type = 'ideas'), 0))"
        )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "ideas", recreate="always", table_kwargs={"sqlite_autoincrement": False}
        ):
            pass
    op.drop_table("reference_counters")
