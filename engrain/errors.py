"""One exception type for everything a user can cause and fix.

The CLI prints an `EngrainError` as a single line and exits non-zero; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations


class EngrainError(Exception):
    """A problem with the user's input, config or environment, stated in one line."""


class Interrupted(EngrainError):
    """Ctrl-C stopped a stage after it saved what the next run resumes from (exit 130)."""
