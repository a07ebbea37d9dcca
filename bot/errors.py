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
    """A platform could not deliver a message (closed DMs, deleted channel, missing access).

    Rate limits (HTTP 429) never reach the engine: discord.py's HTTP client and slack_sdk's
    retry handler wait out ``Retry-After`` themselves (tests/adapters/discord/test_operations.py,
    tests/adapters/slack/test_http_security.py); one that still fails arrives as this error.
    """
