"""PII scrubbing: what must go, and the technical values that must survive."""

import pytest

from engrain.ingest import scrub


@pytest.mark.parametrize(
    "text, kind, expected",
    [
        ("Mail jane.doe+ops@example.co.uk today.", "email", "Mail [EMAIL] today."),
        ("Call +1 555 0100.", "phone", "Call [PHONE]."),
        ("Call +44 20 7946 0958 or +49 (0)30 123456", "phone", "Call [PHONE] or [PHONE]"),
        ("Call (555) 123-4567 or 555-123-4567", "phone", "Call [PHONE] or [PHONE]"),
        ("Visa 4111 1111 1111 1111, Amex 378282246310005", "card", "Visa [CARD], Amex [CARD]"),
        ("card 4111-1111-1111-1111", "card", "card [CARD]"),
        ("Reach it at 192.168.1.10, port 7418.", "ip", "Reach it at [IP], port 7418."),
        ("see http://10.0.0.1:8080/status", "ip", "see http://[IP]:8080/status"),
        ("SSN 123-45-6789 on file", "ssn", "SSN [SSN] on file"),
    ],
)
def test_scrubs_pii(text: str, kind: str, expected: str) -> None:
    out, counts = scrub(text)
    assert out == expected
    assert counts[kind] == expected.count(f"[{kind.upper()}]")
    assert sum(counts.values()) == counts[kind]


@pytest.mark.parametrize(
    "text",
    [
        "The DL-40 listens on port 7418.",
        "Update to firmware 3.2.9, then 3.2.10.",
        "Rated IP67, operating up to 85 °C.",
        "Output is 4-20 mA, supply 10-30 V, RS-485 bus, released 2023-01-15.",
        "In 2023 we shipped 1,000,000 units; serial SN 12345678; 1920x1080 display.",
        "firmware 1.2.3.4 and version 10.0.0.1 are builds, not hosts",
        "Card-like but not Luhn-valid: 4111 1111 1111 1112",
        "Values 100 200 300 400 500, +3.3 V rail, 12:30, 0x7F, IEEE 802.3af",
        "Invalid SSN shapes 000-12-3456 and 999-12-3456",
    ],
)
def test_keeps_technical_values(text: str) -> None:
    out, counts = scrub(text)
    assert out == text
    assert not any(counts.values())


def test_counts_every_kind() -> None:
    out, counts = scrub("a@b.io, c@d.io, +1 555 0100, 8.8.8.8, 123-45-6789, 4111111111111111")
    assert counts == {"email": 2, "ssn": 1, "card": 1, "ip": 1, "phone": 1}
    assert out == "[EMAIL], [EMAIL], [PHONE], [IP], [SSN], [CARD]"
