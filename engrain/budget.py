"""`train.budget`, parsed: a cap on training as wall time or tokens (engrain.plan keeps it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from engrain.errors import EngrainError

_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)\s*h(?:ours?)?)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in(?:utes?)?)?)?\s*(?:(\d+(?:\.\d+)?)\s*s(?:ec)?)?$"
)
_TOKENS = re.compile(r"^(\d+(?:\.\d+)?)\s*([kKM]?)\s*(?:tokens?)?$")  # M: million; m: minutes
CPU_DEFAULT_MINUTES = 25.0  # `train.budget = "auto"` on a machine without a GPU


@dataclass(frozen=True)
class Budget:
    """A parsed `train.budget`: seconds of training, tokens, or neither (no cap)."""

    seconds: float | None = None
    tokens: int | None = None
    text: str = "none"

    @property
    def capped(self) -> bool:
        return self.seconds is not None or self.tokens is not None


def parse_budget(text: str, gpu: bool = False) -> Budget:
    """'30m', '1h30m', '90s', '800k tokens', '2M' (M: million tokens, m: minutes), 'none'; 'auto' is
    CPU_DEFAULT_MINUTES without a GPU, else none."""
    raw = text.strip().lower()
    if raw in ("", "none", "off"):
        return Budget(text="none")
    if raw == "auto":
        return (
            Budget(text="none") if gpu else Budget(seconds=CPU_DEFAULT_MINUTES * 60, text=f"{CPU_DEFAULT_MINUTES:g}m")
        )
    if (m := _TOKENS.match(text.strip())) and (m[2] or raw.endswith(("token", "tokens")) or raw.isdigit()):
        scale = {"": 1, "k": 1_000, "M": 1_000_000}[m[2].replace("K", "k")]
        return Budget(tokens=int(float(m[1]) * scale), text=text.strip())
    if (m := _DURATION.match(raw)) and any(m.groups()):
        hours, minutes, seconds = (float(g or 0) for g in m.groups())
        return Budget(seconds=hours * 3600 + minutes * 60 + seconds, text=text.strip())
    raise EngrainError(
        f"train.budget {text!r}: a time ('30m', '1h', '90s'), tokens ('800k', '2M tokens'), 'auto' or 'none'"
    )


def check_budget(text: str) -> str:
    """For config validation: the text when it parses, else the one-line error."""
    parse_budget(text)
    return text
