"""Uploaded files' bytes, kept in the database so that every web node can read them.

A file is a run of chunk rows under its stored name, numbered from 0. Writing and deleting go
through the session like any other change, so they commit or roll back with the record that
names the file; reading yields one chunk row at a time, so a download never holds a whole
file in memory.
"""

from collections.abc import Iterable, Iterator
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

CHUNK_BYTES = 256 * 1024


class StoredFileChunk(db.Model):
    """One piece of a stored file's bytes: the `chunk_number`th, counting from 0."""

    __tablename__ = "stored_file_chunks"

    stored_name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    chunk_number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


def save_file(stored_name: str, file: BinaryIO) -> int:
    """Write `file`'s bytes, from where it stands, under `stored_name`; return the chunk count."""
    number = 0
    while data := file.read(CHUNK_BYTES):
        row = {"stored_name": stored_name, "chunk_number": number, "data": data}
        db.session.execute(sa.insert(StoredFileChunk).values(row))
        number += 1
    return number


def has_file(stored_name: str) -> bool:
    """Whether any bytes are stored under `stored_name`."""
    first = sa.select(StoredFileChunk.chunk_number).filter_by(stored_name=stored_name).limit(1)
    return db.session.scalar(first) is not None


def read_file(stored_name: str) -> Iterator[bytes]:
    """Yield a stored file's bytes, reading one chunk row per step."""
    number = 0
    while True:
        data = db.session.scalar(
            sa.select(StoredFileChunk.data).filter_by(stored_name=stored_name, chunk_number=number)
        )
        if data is None:
            return
        yield data
        number += 1


def delete_files(stored_names: Iterable[str]) -> None:
    """Delete the bytes stored under these names (already gone is fine)."""
    names = list(stored_names)
    if names:
        db.session.execute(sa.delete(StoredFileChunk).where(StoredFileChunk.stored_name.in_(names)))
