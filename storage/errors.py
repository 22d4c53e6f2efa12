"""The three errors every storage backend raises, whatever it talks to."""


class StorageError(Exception):
    """Base of the errors below, for callers that want to catch them all."""


class ObjectNotFound(StorageError, KeyError):
    """No object is stored under the key."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else "object not found"


class IntegrityError(StorageError):
    """The bytes stored, or about to be stored, do not match the expected sha256."""


class InvalidKey(StorageError, ValueError):
    """The key is not in the safe key syntax, or would leave the store."""
