"""PII scrubbing with maintained detectors, tuned not to eat technical values.

- Microsoft Presidio (with the spaCy pipeline engrain already ships): e-mail addresses,
  phone numbers (Google's libphonenumber through `phonenumbers`, in the regions below),
  payment cards (Luhn), IBANs (checksum), IPv4 and IPv6, US SSNs (context words lift the
  undashed ones), UK National Insurance numbers and postcodes, and person names (spaCy NER).
- detect-secrets' credential detectors: AWS, GitHub, GitLab, Stripe, OpenAI, Slack, Twilio,
  SendGrid, npm, PyPI, JWTs, private keys and more; its keyword detector (`password = ...`).
- Credentials with no fixed prefix, by detect-secrets' Shannon entropy: a value after a
  keyword (secret, key, token, password, ...) that mixes letters and digits at 3 bits a
  character or more, and any 24+ character token that mixes upper case, lower case and digits
  at 4 bits or more (an older `sk-...` key, a bare API key).
- National ids written right after their keyword with no separators ("SSN:536224178").
- Street addresses: no maintained offline detector exists; one pattern (house number,
  capitalised street name, street type, optional unit).

Names are scrubbed in chat logs and left in documents by default (`data.scrub_names`):
documents name people, products and places as the knowledge itself. A four-part version
after "firmware"/"version" is not an IP address. The measured coverage per type is in
docs/results.md (`python bench/pii_battery.py`).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from engrain.workers import SERIAL, Parallel, ray_map

KINDS = ("email", "phone", "card", "iban", "ip", "ssn", "national_id", "secret", "address", "person")
_PRESIDIO = {  # Presidio entity -> kind
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "card",
    "IBAN_CODE": "iban",
    "IP_ADDRESS": "ip",
    "US_SSN": "ssn",
    "UK_NINO": "national_id",
    "UK_POSTCODE": "address",
    "PERSON": "person",
}
PHONE_REGIONS = ("US", "GB", "DE", "FR", "IE", "IN", "CA", "AU", "NL", "ES", "IT", "BR")
MIN_PHONE_DIGITS = 6  # shorter matches are service codes or years, not a person's number
SCORE = 0.4  # Presidio's score floor: phone numbers score 0.4, validated cards/IBANs/e-mails 1.0
_VERSION_BEFORE = re.compile(r"(?:version|firmware|release|build|ver\.?)\s*$", re.I)
_STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?(?:-\d{1,5})?,?\s+(?:[A-Z][a-z]+\.?\s+){1,3}"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Way|Close|"
    r"Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Row|Mews|Gardens|Walk|Strasse|Straße|Rue)\b\.?"
    r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|#)\.?\s*\w+)?"
)


_KEYWORD_VALUE = re.compile(
    r"(?i)\b(?:api[ _-]?key|access[ _-]?key|secret(?:[ _-]?key)?|client[ _-]?secret|token|password|passwd|"
    r"passphrase|credentials?|auth[ _-]?key)s?\b(?:\s+(?:is|was)\b)?\s*[:=]?\s*[\"'`]?"
    r"(?P<value>[A-Za-z0-9+/_.~!@#$%^&*=-]{12,})"
)
_TOKEN = re.compile(r"(?<![\w/.@-])[A-Za-z0-9][A-Za-z0-9+/_-]{23,}={0,2}(?![\w/.@])")
_ID_AFTER_KEYWORD = re.compile(
    r"(?i)\b(?:ssn|social security(?: number| no\.?)?|ni(?:no| number| no\.?)|national insurance(?: number)?|"
    r"passport(?: number| no\.?)?|national id(?: number)?)\s*[:#.]?\s*(?P<value>[A-Z]{0,2}\d{6,10}[A-Z]?)\b"
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


def scrub(text: str, names: bool = False) -> tuple[str, dict[str, int]]:
    """Replace PII with placeholders like "[EMAIL]"; return the text and counts per kind."""
    return scrub_many([text], names)[0]


def scrub_many(texts: list[str], names: bool = False, par: Parallel = SERIAL) -> list[tuple[str, dict[str, int]]]:
    """`scrub` for many texts at once: the NER pipeline runs over them in batches (the slow part), in
    `par`'s workers (results in input order: the same output whatever the count; engrain.workers)."""
    pieces = [(i, block) for i, text in enumerate(texts) for block in _blocks(text)]
    blocks = [b for _, b in pieces]
    if par.engine == "ray":
        found = ray_map(_Analyzer, (names,), blocks, 64, par)
    else:
        found = _Analyzer(names, par.processes)(blocks)
    out: list[tuple[list[str], dict[str, int]]] = [([], dict.fromkeys(KINDS, 0)) for _ in texts]
    for (i, block), results in zip(pieces, found):
        clean, counts = _apply(block, _spans(block, results))
        out[i][0].append(clean)
        for k, n in counts.items():
            out[i][1][k] += n
    return [("".join(parts), counts) for parts, counts in out]


class _Found(NamedTuple):
    """One Presidio finding, picklable (it travels back from a Ray actor; Presidio's own result may not)."""

    entity_type: str
    start: int
    end: int


class _Analyzer:
    """Presidio over a batch of texts, in `n_process` processes (a Ray actor builds one of its own)."""

    def __init__(self, names: bool, n_process: int = 1) -> None:
        self.names, self.n_process = names, n_process

    def __call__(self, blocks: list[str]) -> list[list]:
        found = _batch(self.names).analyze_iterator(
            blocks,
            language="en",
            batch_size=64,
            n_process=self.n_process,
            entities=[e for e in _PRESIDIO if self.names or e != "PERSON"],
            score_threshold=SCORE,
        )
        return [[_Found(r.entity_type, r.start, r.end) for r in rs] for rs in found]


def scrub_paths(paths: list[str]) -> list[str]:
    """File paths or ids with personal data in any of their parts replaced ("tickets/[EMAIL].md"). Parts
    without an '@' or a digit hold none of the kinds scrubbed outside names (which paths keep)."""
    parts = sorted({p for path in paths for p in re.findall(r"[^/\\]+", path) if re.search(r"[@\d]", p)})
    clean = dict(zip(parts, (text for text, _ in scrub_many(parts)))) if parts else {}
    return [re.sub(r"[^/\\]+", lambda m: clean.get(m.group(), m.group()), path) for path in paths]


def _blocks(text: str, size: int = 20_000) -> list[str]:
    """Paragraph-aligned pieces of at most ~`size` characters: the NER pipeline's memory grows with its input."""
    if len(text) <= size:
        return [text]
    out = [""]
    for part in re.split(r"(?<=\n\n)", text):
        if out[-1] and len(out[-1]) + len(part) > size:
            out.append("")
        out[-1] += part
    return out


def _spans(text: str, presidio_results) -> list[Span]:
    """Presidio's findings (minus versions taken for IPs, lower-case 'names'), credentials, street addresses."""
    out = []
    for r in presidio_results:
        kind = _PRESIDIO[r.entity_type]
        if kind == "ip" and _VERSION_BEFORE.search(text[max(0, r.start - 24) : r.start]):
            continue
        if kind == "person" and not any(ch.isupper() for ch in text[r.start : r.end]):
            continue  # the small NER model tags lower-case words now and then
        if kind == "phone" and sum(ch.isdigit() for ch in text[r.start : r.end]) < MIN_PHONE_DIGITS:
            continue  # a year ("1690") is a valid short number in some region; nobody's phone
        out.append(Span(r.start, r.end, kind))
    return out + _secrets(text) + [Span(m.start(), m.end(), "address") for m in _STREET.finditer(text)]


def _apply(text: str, spans: list[Span]) -> tuple[str, dict[str, int]]:
    counts = dict.fromkeys(KINDS, 0)
    out, at = [], 0
    for s in _non_overlapping(spans):
        out += [text[at : s.start], f"[{s.kind.upper()}]"]
        counts[s.kind] += 1
        at = s.end
    return "".join(out + [text[at:]]), counts


def _non_overlapping(spans: list[Span]) -> list[Span]:
    """Longest first where spans overlap (a card inside a longer IBAN, a phone inside an address)."""
    kept: list[Span] = []
    for s in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s.start)


def _secrets(text: str) -> list[Span]:
    """Prefixed credentials (detect-secrets' regexes), keyword assignments, high-entropy values; ids after keywords."""
    out = [Span(m.start(), m.end(), "secret") for rx in _secret_patterns() for m in rx.finditer(text)]
    out += [Span(*_value_span(m), "secret") for m in _KEYWORD_VALUE.finditer(text) if _credential(m["value"], 3.0)]
    out += [Span(m.start(), m.end(), "secret") for m in _TOKEN.finditer(text) if _credential(m[0], 4.0, cased=True)]
    out += [Span(*_value_span(m), "national_id") for m in _ID_AFTER_KEYWORD.finditer(text)]
    return out + _keyword_assignments(text)


def _value_span(m: re.Match) -> tuple[int, int]:
    return m.start("value"), m.end("value")


def _credential(value: str, min_bits: float, cased: bool = False) -> bool:
    """Letters and digits mixed (upper and lower too when `cased`) at `min_bits` of Shannon entropy a character
    (detect-secrets' measure): a word, a date or a part number is none of these."""
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    if cased and not (any(c.isupper() for c in value) and any(c.islower() for c in value)):
        return False
    return _detectors()[0].calculate_shannon_entropy(value) >= min_bits


def _keyword_assignments(text: str) -> list[Span]:
    """detect-secrets' keyword detector (`password = "..."`, `secret: ...`), line by line."""
    detector, out, at = _detectors()[1], [], 0
    for line in text.splitlines(keepends=True):
        for found in detector.analyze_line(filename="text.txt", line=line):
            value = found.secret_value or ""
            i = line.find(value) if len(value) >= 6 else -1
            if i >= 0:
                out.append(Span(at + i, at + i + len(value), "secret"))
        at += len(line)
    return out


@lru_cache(maxsize=1)
def _detectors():
    """detect-secrets' entropy measure and keyword detector, made once per process."""
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString
    from detect_secrets.plugins.keyword import KeywordDetector

    return Base64HighEntropyString(), KeywordDetector()


@lru_cache(maxsize=1)
def _secret_patterns() -> tuple[re.Pattern, ...]:
    """The regexes of every detect-secrets credential plugin (entropy/keyword plugins have none; its public-IP
    plugin is left out: Presidio finds addresses, and knows a firmware version is not one)."""
    import importlib
    import pkgutil

    import detect_secrets.plugins as plugins_pkg
    from detect_secrets.plugins.base import RegexBasedDetector

    found: list[re.Pattern] = []
    for mod in pkgutil.iter_modules(plugins_pkg.__path__):
        if mod.name == "ip_public":
            continue
        module = importlib.import_module(f"detect_secrets.plugins.{mod.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, RegexBasedDetector) and obj is not RegexBasedDetector:
                found += [rx for rx in obj.denylist if isinstance(rx, re.Pattern)]
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=2)
def _batch(names: bool):
    from presidio_analyzer import BatchAnalyzerEngine

    return BatchAnalyzerEngine(_analyzer(names))


@lru_cache(maxsize=2)
def _analyzer(names: bool):
    """Presidio with only the recognizers engrain uses, on the packaged spaCy pipeline (loaded once per mode);
    without names the parser and NER are switched off (the tagger's lemmas still serve context words), 3x faster."""
    from presidio_analyzer import AnalyzerEngine, Pattern, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UkNinoRecognizer,
        UkPostcodeRecognizer,
        UsSsnRecognizer,
    )

    from engrain.config import DEFAULT_SPACY_MODEL

    _offline_public_suffixes()
    nlp = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": DEFAULT_SPACY_MODEL}],
            "ner_model_configuration": {"labels_to_ignore": ["CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"]},
        }
    ).create_engine()
    if not names:
        nlp.nlp["en"].select_pipes(disable=["parser", "ner"])
    cards = CreditCardRecognizer()  # Presidio's card pattern, with dots as a separator too ("4111.1111.1111.1111")
    cards = CreditCardRecognizer(
        patterns=[Pattern(p.name, p.regex.replace("[- ]", "[-. ]"), p.score) for p in cards.patterns],
        replacement_pairs=[("-", ""), (" ", ""), (".", "")],
    )
    registry = RecognizerRegistry(
        recognizers=[
            EmailRecognizer(),
            PhoneRecognizer(supported_regions=PHONE_REGIONS),
            cards,
            IbanRecognizer(),
            IpRecognizer(),
            UsSsnRecognizer(),
            UkNinoRecognizer(),
            UkPostcodeRecognizer(),
            SpacyRecognizer(supported_entities=["PERSON"]),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])


def _offline_public_suffixes() -> None:
    """Presidio validates e-mail domains with tldextract, which fetches the public suffix list
    on first use; engrain runs offline, so use the snapshot tldextract ships."""
    import tldextract
    import tldextract.tldextract as impl

    impl.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
