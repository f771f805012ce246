"""Score snapshots keep their reviewers' disagreement flag in a column

Revision ID: 7b3e9d1f4a62
Revises: d4a8b2c6e913
Create Date: 2026-12-04

The pipeline's table showed "Disagree" by reading every row's whole `details` (3 KB of JSON
each); `score_snapshots.disagreement` holds the one flag it needs. Existing snapshots get it
from their details here, by the rule the refresh uses: stored under the current agreement
rule (2), and flagged on any criterion or overall.
"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7b3e9d1f4a62"
down_revision = "d4a8b2c6e913"
branch_labels = None
depends_on = None

AGREEMENT_RULE = 2
score_snapshots = sa.table(
    "score_snapshots",
    sa.column("idea_id", sa.Integer),
    sa.column("details", sa.Text),
    sa.column("disagreement", sa.Boolean),
)


def _disagrees(details) -> bool:
    if not isinstance(details, dict) or details.get("agreement_rule") != AGREEMENT_RULE:
        return False
    criteria = (details.get("criteria") or {}).values()
    overall = details.get("overall") or {}
    return bool(overall.get("disagreement")) or any(
        bool((cell or {}).get("disagreement")) for cell in criteria
    )


def upgrade():
    with op.batch_alter_table("score_snapshots") as batch:
        batch.add_column(
            sa.Column("disagreement", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    bind = op.get_bind()
    details = sa.cast(score_snapshots.c.details, sa.Text)
    flagged = [
        idea_id
        for idea_id, text in bind.execute(sa.select(score_snapshots.c.idea_id, details))
        if text and _disagrees(json.loads(text))
    ]
    for start in range(0, len(flagged), 500):
        bind.execute(
            score_snapshots.update()
            .where(score_snapshots.c.idea_id.in_(flagged[start : start + 500]))
            .values(disagreement=True)
        )


def downgrade():
    with op.batch_alter_table("score_snapshots") as batch:
        batch.drop_column("disagreement")
