"""Read a response body within caps on its wire size, its inflated size and the deadline.

The body is read as a stream and any Content-Encoding is undone here, a bounded step at a
time, so a gzip bomb (10 MB that inflates to gigabytes) stops just past the cap instead of
filling memory, and a 50 MB body stops at 15 MB without the rest being read.
"""

import time
import zlib

import httpx

_CHUNK = 1024 * 1024  # most bytes inflated in one step, so a bomb never inflates far
ENCODINGS = {"gzip": 31, "x-gzip": 31, "deflate": 15}  # zlib wbits for each Content-Encoding


class FetchStop(Exception):
    """Ends a fetch early with an error kind (see ERROR_KINDS) and a sentence for a lead."""

    def __init__(self, kind: str, sentence: str) -> None:
        super().__init__(sentence)
        self.kind, self.sentence = kind, sentence


class Inflater:
    """Undo a Content-Encoding step by step, never producing more than `limit` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding, self.limit = encoding, limit
        self.produced = 0
        self._raw_deflate_tried = False
        self._new()

    def _new(self, wbits: int | None = None) -> None:
        self._inflate = zlib.decompressobj(wbits or ENCODINGS[self.encoding])

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        while data:
            room = self.limit - self.produced
            try:
                piece = self._inflate.decompress(data, min(room + 1, _CHUNK))
            except zlib.error:
                if self.encoding == "deflate" and not self._raw_deflate_tried and not self.produced:
                    # Some servers send raw deflate without the zlib wrapper.
                    self._raw_deflate_tried = True
                    self._new(-15)
                    continue
                raise
            self.produced += len(piece)
            if self.produced > self.limit:
                raise FetchStop("too_large", too_large(self.limit, inflated=True))
            out += piece
            data = self._inflate.unconsumed_tail
            if self._inflate.eof:
                data = self._inflate.unused_data  # gzip may hold several members
                if data:
                    self._new()
        return bytes(out)


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def too_large(limit: int, *, inflated: bool = False) -> str:
    if inflated:
        return f"The feed inflates to more than {megabytes(limit)}, the most the scanner reads."
    return f"The feed is larger than {megabytes(limit)}, the most the scanner downloads."


def read_body(
    response: httpx.Response, *, max_bytes: int, max_decompressed_bytes: int, deadline: float
) -> bytes:
    """Return the decoded body, or raise FetchStop ("too_large", …) or httpx.ReadTimeout."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity") and encoding not in ENCODINGS:
        sentence = f"The server compressed the feed as {encoding!r}, which the scanner cannot read."
        raise FetchStop("http", sentence)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchStop("too_large", too_large(max_bytes))
    inflater = (
        Inflater(encoding, max_decompressed_bytes) if encoding not in ("", "identity") else None
    )
    body = bytearray()
    received = 0
    try:
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > max_bytes:
                raise FetchStop("too_large", too_large(max_bytes))
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the whole-fetch deadline passed")
            body += inflater.feed(chunk) if inflater else chunk
    except zlib.error as exc:
        raise FetchStop("connection", "The feed's compressed data was damaged in transit.") from exc
    if inflater is None and len(body) > max_decompressed_bytes:
        raise FetchStop("too_large", too_large(max_decompressed_bytes))
    return bytes(body)
