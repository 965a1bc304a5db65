"""A battery of realistic personal data and credentials, in the formats support logs carry.

Every value is invented (test card numbers are generated with a valid Luhn digit, keys have
the right shape and no meaning). `measure()` plants each value in a support-chat sentence,
scrubs it as chat logs are scrubbed, and counts what leaks: the value verbatim, any run of 4+
digits from it, or (names) any of its words. Used by the tests and `bench/pii_battery.py`;
the coverage table in docs/results.md is its output.
"""

from __future__ import annotations

import re
from collections import defaultdict


def _luhn(body: str) -> str:
    """`body` plus the check digit that makes it Luhn-valid."""
    digits = [int(c) for c in body if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def _card(body: str, sep: str, groups: tuple[int, ...]) -> str:
    digits, out, at = _luhn(body), [], 0
    for g in groups:
        out.append(digits[at : at + g])
        at += g
    return sep.join(out)


BATTERY: dict[str, list[tuple[str, str]]] = {  # type -> [(sentence with {v}, value)]
    "email": [
        ("Please send the invoice to {v} by Friday.", "m.okafor@northwind-logistics.com"),
        ("cc {v} on the ticket", "billing+eu@acme-robotics.io"),
        ("My login is {v}", "j_smith1987@gmail.com"),
        ("Resposta para {v}, obrigado", "ana.lima@empresa.com.br"),
        ("Escalated by {v}.", "ops-oncall@eu.support.example.org"),
    ],
    "phone": [
        ("Call me back on {v} after 3pm.", "(415) 867-2309"),
        ("my cell is {v}", "312-944-7781"),
        ("Reach the site at {v}.", "646.555.0147"),
        ("Number: {v}", "+1 206 718 4432"),
        ("Mobile {v}, any time", "07700 900461"),
        ("Our office is {v}.", "020 7946 0321"),
        ("Ring {v} please", "+44 (0)161 496 0753"),
        ("Berlin desk: {v}", "+49 30 22731456"),
        ("Appelez le {v}", "+33 1 42 68 53 00"),
        ("WhatsApp {v}", "+91 98765 43210"),
        ("Sydney support {v}", "+61 2 9374 4000"),
        ("Madrid: {v}", "+34 612 345 678"),
    ],
    "card": [
        ("Charge it to {v} please.", _card("453914880343646", " ", (4, 4, 4, 4))),
        ("card number {v}", _card("542523343010990", "-", (4, 4, 4, 4))),
        ("I paid with {v}", _card("401288888888188", "", (16,))),
        ("Amex {v} exp 09/27", _card("37144963539843", " ", (4, 6, 5))),
        ("the card {v} was declined", _card("601111111111111", ".", (4, 4, 4, 4))),
    ],
    "iban": [
        ("Refund to IBAN {v}", "DE44 5001 0517 5407 3249 31"),
        ("account {v}", "GB33BUKB20201555555555"),
        ("Virement sur {v}", "FR14 2004 1010 0505 0001 3M02 606"),
        ("rekening {v}", "NL91ABNA0417164300"),
        ("cuenta {v}", "ES91 2100 0418 4502 0005 1332"),
    ],
    "ip": [
        ("Requests came from {v} last night.", "203.0.113.54"),
        ("the gateway at {v} drops packets", "10.20.30.40"),
        ("client address {v}", "2001:0db8:0000:0000:0000:ff00:0042:8329"),
        ("link-local {v} on eth0", "fe80::1ff:fe23:4567:890a"),
        ("ping {v} fails", "2001:db8::7334"),
    ],
    "ssn": [
        ("My SSN is {v}.", "536-22-8874"),
        ("social security number {v}", "536 22 8874"),
        ("SSN: {v}", "536228874"),
    ],
    "national_id": [
        ("NI number {v}", "JG 10 37 52 A"),
        ("National Insurance: {v}", "PN123456B"),
        ("SSN:{v}", "536224178"),  # no separators, right after the keyword
        ("NI no.{v}", "QQ123456C"),
        ("passport number {v}", "533401872"),
    ],
    "secret": [
        ("here is my key {v} if that helps", "sk-proj-9fKd2LmQ7wXz1RtY4uVb" + "T3BlbkFJ" + "a8Hc3Nq6Js0Pe5Wg2Xk7"),
        ("STRIPE_KEY={v}", "sk_live_" + "51HxQ2mK9vR4tY7uW3zA8bC0"),
        ("restricted key {v}", "rk_live_" + "7Gd2Kq9Lm4Np1Rs8Tv3Wx6Yz"),
        ("token {v}", "ghp_" + "R2d7Kx9Qm4Lp1Zs8Tv3Wn6Yb0Ha5Jc2Fe7Gu"),
        ("GITHUB_TOKEN {v}", "gho_" + "P8s2Kd7Lq3Mx9Nz1Rv4Tw6Yb0Hc5Je2Fg7Gu"),
        ("aws_access_key_id = {v}", "AKIA" + "4XQ7PL2MZ9RT3KW8"),
        ("slack bot token {v}", "xoxb-" + "2048193745-7729104836512-Kq9Lm4Np1Rs8Tv3Wx6YzAb0c"),
        (
            "Authorization: Bearer {v}",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.8hK2dQ9LmX4pR7tV1wZ3yB6nC0sF5gJ2kE7uA9qH1c",
        ),
        ("gitlab {v}", "glpat-" + "Xk9Lm4Np1Rs8Tv3Wx6Yz"),
        # no well-known prefix: a keyword before it, or its entropy alone
        ("the secret is {v}", "Zq8vN2kLr5Tx9Wm3Hb7Jc1Pd"),
        ("api key: {v}", "a8f3c91e7b2d4065f1e9c3b7a2d8e4f6"),
        ("my token {v} expired yesterday", "Xk2pL9mQ4rT7vW1zB5nC8dF3"),
        ("client_secret={v}", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
        ("password: {v}", "Tr0ub4dor&3xQ"),
        ("OPENAI_API_KEY={v}", "sk-" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3"),  # the older format
        ("use the old one, {v}, for staging", "sk-" + "Qw8Er5Ty2Ui9Op4As7Df1Gh6Jk3Lz0Xc5Vb8Nm2Qw7Er4Ty1U"),
        ("sendgrid {v}", "SG." + "Kq9Lm4Np1Rs8Tv3Wx6YzAb." + "0cD2eF4gH6iJ8kL0mN2oP4qR6sT8uV0wX2yZ4aB6cD8"),
    ],
    "address": [
        ("Ship it to {v}, Chicago IL 60601.", "1420 West Addison Street"),
        ("our office: {v}, New York", "350 Fifth Avenue, Suite 3300"),
        ("deliver to {v}, Leeds", "14 Kingsley Road"),
        ("I live at {v}.", "4 Privet Drive"),
        ("Returns go to {v}, Austin TX", "8701 Burnet Rd"),
        ("Lieferung an {v}, 10117 Berlin", "Friedrichstraße 43"),
    ],
    "person": [
        ("Hi, this is {v} from the Leeds branch.", "Priya Raman"),
        ("Thanks, {v}", "Daniel Okoro"),
        ("my manager {v} approved it", "Sarah O'Connell"),
        ("Cheers, {v}", "Siobhan O'Brien"),
        ("Talk soon, {v}", "Jean-Luc Moreau"),
        ("I spoke to {v} yesterday", "Zoë Ångström"),
        ("Please ask for {v} at the desk.", "Luis Hernández"),
        ("Regards, {v}", "Wei Zhang"),
        ("{v} here, the unit is still beeping", "Emma Schmidt"),
        ("I spoke to {v} yesterday", "Tom Becker"),
        ("Can {v} call me?", "Aisha Khan"),
        ("thanks {v}, that fixed it", "maria"),
        ("Ask {v} about the refund.", "Kenji"),
        ("-- {v}, Field Service", "R. Patel"),
    ],
}


def leaked(value: str, kind: str, scrubbed: str) -> bool:
    """The value, a 4+ digit run of it, or (names) any of its words survived."""
    if value in scrubbed:
        return True
    if kind == "person":
        return any(re.search(rf"\b{re.escape(w)}\b", scrubbed) for w in value.split() if len(w) > 2)
    return any(run in scrubbed for run in re.findall(r"\d{4,}", value))


def measure(names: bool = True) -> dict[str, dict]:
    """Caught / leaked per type, with the leaked values (sentences scrubbed as chat logs are)."""
    from engrain.ingest.pii import scrub

    out: dict[str, dict] = defaultdict(lambda: {"caught": 0, "leaked": 0, "leaks": []})
    for kind, cases in BATTERY.items():
        for sentence, value in cases:
            clean = scrub(sentence.format(v=value), names=names)[0]
            row = out[kind]
            if leaked(value, kind, clean):
                row["leaked"] += 1
                row["leaks"].append(value)
            else:
                row["caught"] += 1
    return dict(out)
