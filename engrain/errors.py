"""One exception type for everything a user can cause and fix.

The CLI prints an `EngrainError` as a single line and exits non-zero; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class EngrainError(Exception):
    """A problem with the user's input, config or environment, stated in one line."""


class Interrupted(EngrainError):
    """Ctrl-C (or SIGTERM) stopped a stage after it saved what the next run resumes from (exit 128 + signal)."""

    def __init__(self, message: str, signum: int = 2) -> None:
        super().__init__(message)
        self.signum = signum


@contextmanager
def stopping(where: str, next_run: str) -> Iterator[None]:
    """Ctrl-C or SIGTERM inside becomes one line: where the command stopped and what its next run does."""
    try:
        yield
    except KeyboardInterrupt as e:
        raise Interrupted(f"stopped during {where}; {next_run}", getattr(e, "signum", 2)) from None


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be, so every stage stops the same way (exit 143, not 130)."""

    signum = 15
