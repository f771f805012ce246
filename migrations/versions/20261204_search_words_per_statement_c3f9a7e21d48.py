"""The search word list is filled once per INSERT statement, and on UPDATE only when text changes

Revision ID: c3f9a7e21d48
Revises: b8e41d2c7f15
Create Date: 2026-12-04

On PostgreSQL, `search_words` (the words "did you mean" offers) was filled by a trigger per
row, on every INSERT and every UPDATE: a scan storing 1,000 items ran 1,000 inserts into it,
and marking an item relevant parsed its text again. Now an INSERT fills it once per statement
from its new rows (a transition table), and an UPDATE only when a text column is set. The
word list and the vectors themselves are unchanged.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c3f9a7e21d48"
down_revision = "b8e41d2c7f15"
branch_labels = None
depends_on = None

TEXT = {
    "ideas": ("title", "summary", "problem_harm", "problem_who", "proposed_change", "evidence"),
    "scanned_items": ("title", "summary"),
}


def _joined(columns, prefix):
    return " || ' ' || ".join(f"coalesce({prefix}{c}, '')" for c in columns)


def _words_of(text, rows):
    return (
        "INSERT INTO search_words (word) "
        f"SELECT DISTINCT lexeme FROM {rows}unnest(to_tsvector('simple'::regconfig, {text})) "
        "WHERE length(lexeme) BETWEEN 4 AND 40 AND lexeme !~ '^[0-9]+$' "
        "ON CONFLICT DO NOTHING"
    )


def _function(name, body):
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {body}; RETURN NULL; END $$"
    )


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in TEXT.items():
        op.execute(f"DROP TRIGGER {table}_search_words ON {table}")
        op.execute(f"DROP FUNCTION {table}_search_words()")
        _function(f"{table}_inserted_words", _words_of(_joined(columns, "new_rows."), "new_rows, "))
        op.execute(
            f"CREATE TRIGGER {table}_inserted_words AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_inserted_words()"
        )
        # A trigger with a column list cannot have a transition table: this one is per row.
        _function(f"{table}_updated_words", _words_of(_joined(columns, "NEW."), ""))
        op.execute(
            f"CREATE TRIGGER {table}_updated_words AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_updated_words()"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in TEXT.items():
        for event in ("inserted", "updated"):
            op.execute(f"DROP TRIGGER {table}_{event}_words ON {table}")
            op.execute(f"DROP FUNCTION {table}_{event}_words()")
        _function(f"{table}_search_words", _words_of(_joined(columns, "NEW."), ""))
        op.execute(
            f"CREATE TRIGGER {table}_search_words AFTER INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_search_words()"
        )
