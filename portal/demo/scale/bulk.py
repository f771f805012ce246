"""Many rows in one INSERT per table, and finding their new ids: the scale loaders' helpers.

Inserts ask for no RETURNING: ids in the order of the rows would cost a statement per row
on PostgreSQL, so each loader looks its new rows' ids up by a natural key in one query.
"""

import sqlalchemy as sa

from portal.extensions import db


def insert_rows(model, rows: list[dict]) -> None:
    """INSERT many rows in batches (Core, so rows with None in different columns still batch
    together)."""
    if rows:
        db.session.execute(sa.insert(getattr(model, "__table__", model)), rows)


def ids_by(key, id_column, *where) -> dict:
    """Map `key` (a column, or a tuple of columns) to `id_column` for the rows `where` selects."""
    keys = key if isinstance(key, tuple) else (key,)
    rows = db.session.execute(sa.select(*keys, id_column).where(*where))
    return {(tuple(row[:-1]) if len(keys) > 1 else row[0]): row[-1] for row in rows}
