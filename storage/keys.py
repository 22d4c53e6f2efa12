"""Object keys: one safe syntax for every backend, and the content-addressed layout.

A key is up to 1024 characters of `/`-separated segments.
Each segment starts with a letter, a digit or `_` and goes on with letters, digits
and `._-`. So no empty segment, no `.` or `..`, no leading `/`, no backslash, no
control or non-ASCII character, and no segment starting with a dot: names starting
with a dot (such as the local backend's `.tmp/`) belong to the store itself.
"""

from __future__ import annotations

import re

from storage.errors import InvalidKey

MAX_KEY_LENGTH = 1024  # the S3 limit
MAX_SEGMENT_LENGTH = 255  # the usual file-name limit
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def validate_key(key: str) -> str:
    """Return key unchanged if it is a valid object key, else raise InvalidKey."""
    if not isinstance(key, str) or not key:
        raise InvalidKey(f"object key must be a non-empty string, got {key!r}")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"object key longer than {MAX_KEY_LENGTH} characters")
    for segment in key.split("/"):
        if len(segment) > MAX_SEGMENT_LENGTH or not _SEGMENT.fullmatch(segment):
            raise InvalidKey(
                f"invalid object key {key!r}: segment {segment!r} must start with a"
                " letter, digit or '_' and contain only letters, digits and '._-'"
            )
    return key


def content_key(sha256: str, prefix: str = "originals") -> str:
    """Content-addressed key of a blob: `<prefix>/ab/cd/abcd…` for sha256 `abcd…`.

    Two levels of two hex digits keep directories small (65 536 shards) on the
    local backend and spread S3 listings; `prefix=""` leaves the prefix out.
    """
    digest = sha256.lower() if isinstance(sha256, str) else ""
    if not _SHA256_HEX.fullmatch(digest):
        raise InvalidKey(f"not a hex sha256 digest: {sha256!r}")
    parts = [prefix] if prefix else []
    parts += [digest[:2], digest[2:4], digest]
    return validate_key("/".join(parts))
