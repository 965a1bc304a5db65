"""Regex PII scrubbing: pragmatic, not exhaustive.

Domain documents are full of numbers, so every pattern is deliberately narrow:

- e-mail: `local@domain.tld` -> [EMAIL]
- US SSN: `123-45-6789` (not area 000/666/9xx) -> [SSN]
- card: 13-19 digits, contiguous or in card grouping (4-4-4-4[-3], 4-6-5), and only if
  the Luhn checksum holds -> [CARD]
- IPv4: four dotted octets 0-255, unless preceded by "version", "firmware", ... -> [IP]
- phone: a leading "+" with 7-15 digits (`+1 555 0100`, `+44 20 7946 0958`), or a US
  shape: `(555) 123-4567`, `555-123-4567`, `555.123.4567` -> [PHONE]

So "port 7418", "firmware 3.2.10", "IP67", "4-20 mA", "DL-40" and years survive.
Known gaps: 7-digit local numbers, non-US national IDs, IPv6, names, postal addresses.
"""

from __future__ import annotations

import re

KINDS = ("email", "ssn", "card", "ip", "phone")  # also the order patterns are applied in

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
_CARD = re.compile(
    r"(?<![\w.+-])(?:\d{13,19}"
    r"|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?"
    r"|\d{4}([ -])\d{6}\2\d{5})"
    r"(?![\w-]|[.,]\d)"
)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IP = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\w|\.\d)")
_VERSION_BEFORE = re.compile(r"(?:version|firmware|release|build|ver\.?)\s*$", re.I)
_PHONE = re.compile(
    r"""(?<![\w.+-])(?:
        \+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{2,4}){2,5}   # +1 555 0100, +49 (0)30 123456
      | (?:1[ .-]?)?\(\d{3}\)\ ?\d{3}[ .-]\d{4}                # (555) 123-4567
      | (?:1-)?\d{3}-\d{3}-\d{4}                               # 555-123-4567
      | \d{3}\.\d{3}\.\d{4}                                    # 555.123.4567
    )(?![\w-]|\.\d)""",
    re.X,
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _is_card(m: re.Match) -> bool:
    digits = re.sub(r"\D", "", m.group())
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _is_ip(m: re.Match) -> bool:
    return not _VERSION_BEFORE.search(m.string[max(0, m.start() - 24) : m.start()])


def _is_phone(m: re.Match) -> bool:
    return 7 <= len(re.sub(r"\D", "", m.group())) <= 15


_RULES = [
    ("email", _EMAIL, None),
    ("ssn", _SSN, None),
    ("card", _CARD, _is_card),
    ("ip", _IP, _is_ip),
    ("phone", _PHONE, _is_phone),
]


def scrub(text: str) -> tuple[str, dict[str, int]]:
    """Replace PII with placeholders like "[EMAIL]"; return the text and counts per kind."""
    counts = dict.fromkeys(KINDS, 0)
    for kind, pattern, accept in _RULES:

        def repl(m: re.Match, kind: str = kind, accept=accept) -> str:
            if accept is not None and not accept(m):
                return m.group()
            counts[kind] += 1
            return f"[{kind.upper()}]"

        text = pattern.sub(repl, text)
    return text, counts
