"""Why the process cannot start, or a `cocreate` verb cannot finish, in an operator's words.

Each seam with the outside world (the settings, the database file, the HTTP port, a platform's
API, the export's directory) turns what failed into one of these, with a sentence that names the
setting to change. The CLI has a single boundary that prints the sentence as one line on stderr
and exits non-zero; a traceback is shown only with ``LOG_LEVEL=DEBUG``.
"""

from __future__ import annotations


class StartupError(Exception):
    """A failure the operator can fix; ``sentence`` says what and how."""

    #: the process's exit status: 2 for a usage or settings mistake, 1 for the rest
    exit_code = 1

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


class SettingsError(StartupError):
    """A setting (environment variable or TOML file) is missing, unreadable or invalid."""

    exit_code = 2


class DatabaseUnavailable(StartupError):
    """The database file cannot be opened, created or migrated."""


class PortUnavailable(StartupError):
    """The HTTP server cannot listen on HTTP_HOST:HTTP_PORT."""


class PlatformUnavailable(StartupError):
    """Discord or Slack cannot be reached, or refused the credentials."""


class OutputUnwritable(StartupError):
    """A file cannot be written where the operator asked for it."""


class UnknownCommunity(StartupError):
    """A verb was asked about a community this database has never seen."""

    exit_code = 2


def reason(exc: BaseException) -> str:
    """A short reason for an operator: the OS's words for a refused connection, not a repr."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
        cause = cause.__cause__ or cause.__context__
    return str(exc) or type(exc).__name__
