"""Errors the engine turns into a friendly, private reply. Anything else is a bug."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action: the message is shown to the member as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UserError):
    pass


class PermissionDenied(UserError):
    def __init__(self, message: str = "Only moderators can do that.") -> None:
        super().__init__(message)


class StorageError(Exception):
    """Storage failed in a way the member should hear about (disk full, read-only file...)."""


class DeliveryError(Exception):
    """A platform could not deliver a message (closed DMs, deleted channel, missing access)."""


class RateLimited(DeliveryError):
    """The platform refused for now (HTTP 429) and said how long to wait before trying again."""

    def __init__(self, retry_after: float, message: str = "") -> None:
        super().__init__(message or f"rate limited; retry after {retry_after:.2f}s")
        self.retry_after = float(retry_after)
