"""How long-running work talks to the user: one-line messages (`Say`) and progress bars.

Stages take a `say` callable (the CLI prints, tests collect, library use logs) and a `progress`
flag; neither knows where its words end up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("engrain")
Say = Callable[[str], None]


def quiet(msg: str) -> None:
    """The default `say` for library use: messages go to the `engrain` logger."""
    log.info(msg)


class bar:
    """A rich progress bar, or nothing when progress is off (tests, CI logs): `with bar(on) as b:`
    gives a `rich.progress.Progress` or None."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.progress: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        self.progress.__enter__()
        return self.progress

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)


def ticker(progress: Any, label: str, total: int) -> Callable[[], None] | None:
    """A task on `progress` and the callable that advances it (None without a bar)."""
    if progress is None:
        return None
    task = progress.add_task(label, total=total)
    return lambda: progress.advance(task)


def track(items: list, label: str, enabled: bool):
    """A rich progress bar over `items` when enabled (the CLI), else the items as they are."""
    if not enabled:
        return items
    from rich.progress import track as rich_track

    return rich_track(items, description=label)
