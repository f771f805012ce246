"""Full-text search kept by PostgreSQL itself

Revision ID: 5f1c2e8a9b70
Revises: e3ecf05207e3
Create Date: 2026-12-04

On PostgreSQL the search backend (`portal.search.postgres`) reads weighted `tsvector` columns
that the database generates from each row, so they can never drift from the text: an idea's
title (weight A) and its text (B); a scanned item's title (A), summary (B) and authors (C,
unstemmed). GIN indexes serve the matching. `search_words` holds every unstemmed word of 4 to
40 letters that a title or text has held, kept by triggers and indexed by trigrams (pg_trgm),
for "Did you mean"; a word left there after its text changed costs nothing, since a suggestion
is offered only when it finds something the viewer may see. On SQLite nothing changes: Whoosh
answers there.
"""

from alembic import op

revision = "5f1c2e8a9b70"
down_revision = "e3ecf05207e3"
branch_labels = None
depends_on = None

IDEA_TEXT = ("summary", "problem_harm", "problem_who", "proposed_change", "evidence")


def _joined(columns):
    return " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)


IDEA_VECTOR = (
    f"setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    f"setweight(to_tsvector('english'::regconfig, {_joined(IDEA_TEXT)}), 'B')"
)
ITEM_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(authors::text, '')), 'C')"
)
WORDS = {
    "ideas": _joined(("title", *IDEA_TEXT)),
    "scanned_items": _joined(("title", "summary")),
}


def _words_of(text, rows=""):
    return (
        "INSERT INTO search_words (word) "
        f"SELECT DISTINCT lexeme FROM {rows}unnest(to_tsvector('simple'::regconfig, {text})) "
        "WHERE length(lexeme) BETWEEN 4 AND 40 AND lexeme !~ '^[0-9]+$' "
        "ON CONFLICT DO NOTHING"
    )


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    for table, vector in (("ideas", IDEA_VECTOR), ("scanned_items", ITEM_VECTOR)):
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({vector}) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)")
    op.execute("CREATE TABLE search_words (word text PRIMARY KEY)")
    op.execute("CREATE INDEX ix_search_words_trigram ON search_words USING gin (word gin_trgm_ops)")
    for table, text in WORDS.items():
        row_text = text.replace("coalesce(", "coalesce(NEW.")
        op.execute(
            f"CREATE FUNCTION {table}_search_words() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_words_of(row_text)}; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_search_words AFTER INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_search_words()"
        )
        op.execute(_words_of(text, rows=f"{table}, "))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WORDS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_search_words ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_search_words()")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    op.execute("DROP TABLE IF EXISTS search_words")
