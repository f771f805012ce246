"""Supporting files: check what a file really is before anything keeps it.

Pure functions of bytes: no Flask, no database (`portal.stored_files` keeps the bytes). The
type comes from the file's content (its "magic" bytes, or the member list of an Office Open XML
zip), never from its name or the browser's Content-Type; the name's extension must then agree
with it. A file is kept under a random name, so nothing a user sends chooses where it goes.
"""

import hashlib
import re
import secrets
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
# Limits on what a zip may claim to hold, so checking a small "zip bomb" stays cheap.
MAX_ZIP_MEMBERS = 5000
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
CHUNK = 64 * 1024
SPOOL_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Kind:
    key: str
    mimetype: str
    label: str
    extensions: tuple[str, ...]


PDF = Kind("pdf", "application/pdf", "PDF", (".pdf",))
PNG = Kind("png", "image/png", "PNG image", (".png",))
JPEG = Kind("jpeg", "image/jpeg", "JPEG image", (".jpg", ".jpeg"))
DOCX = Kind(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "Word document",
    (".docx",),
)
XLSX = Kind(
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "Excel spreadsheet",
    (".xlsx",),
)
PPTX = Kind(
    "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "PowerPoint presentation",
    (".pptx",),
)
KINDS = (PDF, DOCX, XLSX, PPTX, PNG, JPEG)
_BY_MIMETYPE = {kind.mimetype: kind for kind in KINDS}
_OFFICE_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_UNSAFE_IN_DOWNLOAD = re.compile(r'[<>:"/\\|?*;]')

WRONG_TYPE = "The selected file must be a PDF, Word, Excel, PowerPoint, PNG or JPEG file"
EMPTY = "The selected file is empty"
TOO_BIG = "The selected file must be smaller than 10 MB"
NO_FILE = "Select a file to upload"


class FileRejected(ValueError):
    """A file we will not keep; the message is shown to the user."""


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size_bytes: int
    sha256: str


def sniff(file: BinaryIO) -> Kind | None:
    """Return the allowed kind this seekable binary file's content is, or None."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_PNG_SIGNATURE) and head[12:16] == b"IHDR":
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _sniff_office(file)
    return None


def _sniff_office(file: BinaryIO) -> Kind | None:
    """DOCX, XLSX or PPTX: an intact, unencrypted zip with the parts of exactly one of them."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                return None
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                return None
            if any(m.flag_bits & 0x1 for m in members):  # encrypted entries
                return None
            names = [m.filename for m in members]
            if "[Content_Types].xml" not in names:
                return None
            # Macro-enabled documents (.docm, .xlsm, .pptm) renamed to the plain extensions.
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None
            found = [k for prefix, k in _OFFICE_PARTS if any(n.startswith(prefix) for n in names)]
            if len(found) != 1:
                return None
            if archive.testzip() is not None:  # a member fails its CRC check
                return None
            return found[0]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError):
        # RuntimeError: encrypted; NotImplementedError (a RuntimeError): unknown compression.
        return None
    finally:
        file.seek(0)


def kind_of_mimetype(mimetype: str) -> Kind | None:
    return _BY_MIMETYPE.get(mimetype)


def clean_name(name: str | None) -> str:
    """The file's own name as the user knows it: no folders, control or direction characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]  # some browsers send a whole path
    name = " ".join(name.split())  # tabs and line breaks become single spaces
    # Category C holds control characters and format ones such as U+202E (right-to-left
    # override), which can make "gpj.exe" display as "exe.jpg".
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip()
    if len(name) > 255:
        suffix = PurePath(name).suffix[:16]
        name = name[: 255 - len(suffix)] + suffix
    return name


def download_name(original_name: str) -> str:
    """A name safe to offer in Content-Disposition on any operating system."""
    return _UNSAFE_IN_DOWNLOAD.sub("_", clean_name(original_name)) or "attachment"


def check_extension(name: str, kind: Kind) -> None:
    """Refuse a file whose name does not end as its content says it should."""
    if PurePath(name).suffix.lower() not in kind.extensions:
        raise FileRejected(
            f"The selected file is a {kind.label} but its name does not end in "
            f"{' or '.join(kind.extensions)}. Rename it or choose another file"
        )


@contextmanager
def checked_upload(
    stream: BinaryIO, filename: str | None, max_bytes: int = MAX_FILE_BYTES
) -> Iterator[tuple[StoredFile, BinaryIO]]:
    """Copy an uploaded file aside and check it; yield its description and the checked copy.

    The copy is read from its start, and is gone when the block ends. Raises FileRejected,
    with a message for the user, for an empty, oversized, disallowed or misnamed file.
    """
    original = clean_name(filename)
    if not original:
        raise FileRejected(NO_FILE)
    # Small files stay in memory; larger ones go to a private (0600) temporary file.
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as copy:
        digest, size = _copy_limited(stream, copy, max_bytes)
        if size == 0:
            raise FileRejected(EMPTY)
        kind = sniff(copy)
        if kind is None:
            raise FileRejected(WRONG_TYPE)
        check_extension(original, kind)
        copy.seek(0)
        yield StoredFile(secrets.token_hex(16), original, kind.mimetype, size, digest), copy


def _copy_limited(source: BinaryIO, target: BinaryIO, max_bytes: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FileRejected(TOO_BIG)
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest(), size


def format_size(size_bytes: int) -> str:
    """A file size as people read it: '12 KB', '3.4 MB'."""
    if size_bytes < 1024 * 1024:
        return f"{max(1, -(-size_bytes // 1024))} KB"
    return f"{size_bytes / (1024 * 1024):.1f} MB"
