"""What the PostgreSQL search backend keeps in the database beyond the models.

Migration 5f1c2e8a9b70 adds them, on PostgreSQL only; the database maintains them itself, so no
model maps them. Comparisons of the models with the database (autogenerate, the migration
tests) leave them out through `include_object`.
"""

TABLES = frozenset({"search_words"})
COLUMNS = frozenset({"search_vector"})
INDEXES = frozenset(
    {"ix_ideas_search_vector", "ix_scanned_items_search_vector", "ix_search_words_trigram"}
)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: False for the search backend's own objects."""
    if type_ == "table":
        return name not in TABLES
    if type_ == "column":
        return name not in COLUMNS
    if type_ == "index":
        return name not in INDEXES
    return True
