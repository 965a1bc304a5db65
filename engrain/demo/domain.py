"""Render the Corvid Instruments fact base into a corpus, support logs and a held-out eval set.

`build_domain` is the bundled sample domain: a fictional product line no pretrained model
knows, so a fine-tuned model can only answer from what it learned here. Every fact mention
is recorded per document, which lets the eval set hold synthesis questions whose two facts
provably live in different documents, and unanswerable questions whose values provably
appear nowhere. One `random.Random(seed)` drives everything: same seed, same bytes.
"""

from __future__ import annotations

import html
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from engrain.demo.facts import (
    ATTRS,
    CATEGORIES,
    COMPANY,
    DECLARATIVE,
    DECLARATIVE_COMPANION,
    Fact,
    FactBase,
    Product,
    build_fact_base,
)
from engrain.io import atomic_path, write_json, write_jsonl, write_text

RELEASE_2 = "release-2.json"  # written by engrain.demo.release when release 2 is complete


@dataclass
class DomainSummary:
    n_docs: int  # documents as ingest sees them: each knowledge-base article counts as one
    n_words: int
    n_conversations: int
    n_eval: int
    by_category: dict[str, int]


# ---------------------------------------------------------------- filler prose (number-free,
# so a withheld value can never appear by accident)
INTRO = (
    "The {p} is a {noun} from {company} that {purpose}.",
    "{company} designed the {p} for crews who need a {noun} that {purpose}.",
    "This document covers installation, operation and routine care of the {p}.",
    "Read this document fully before installing the {s}, and keep it with the equipment.",
    "The {s} belongs to the {family} series, which shares accessories and software across models.",
    "Typical customers include water utilities, mining operators and district heating networks.",
    "Most installations pair the {s} with Fieldbook, the configuration software from {company}.",
    "The {family} range was developed after feedback from field crews working in remote, unattended sites.",
)
INSTALL = (
    "Inspect the unit for shipping damage and confirm the serial label matches the delivery note.",
    "Choose a mounting location shaded from direct sun and clear of standing water.",
    "Fix the mounting bracket with stainless fasteners; never drill through the {s} housing.",
    "Route signal cables away from motor leads and variable-frequency drives.",
    "Connect the protective earth before applying any supply voltage.",
    "Apply power and wait for the status LED to settle to a slow green pulse.",
    "Open Fieldbook, discover the {s} on the local network and assign it a site name.",
    "Record the serial number and installation date in the site logbook.",
    "Fit the supplied cable glands and tighten them by hand, then a further quarter turn with a spanner.",
    "Label every cable at both ends before closing the enclosure.",
    "Verify the first readings against a reference instrument before leaving site.",
)
OPERATION = (
    "During normal operation the status LED pulses green; a steady amber means the {s} is waiting for configuration.",
    "Configuration changes made in Fieldbook are applied at the next synchronisation.",
    "The {p} keeps an event journal that records power cycles, configuration changes and alarms.",
    "Time is synchronised automatically whenever the unit reaches the network.",
    "Alarm thresholds can be set per channel and are retained through power loss.",
    "Readings are time-stamped in UTC; local time is applied only in the reporting layer.",
    "Remote users can view live values, but only administrators can change settings.",
    "If the network is unavailable, the {s} buffers data and forwards it once the link returns.",
)
MAINTENANCE = (
    "Wipe the housing with a damp cloth; solvents can craze the window.",
    "Inspect cable glands and seals at every site visit.",
    "Replace desiccant packs whenever the indicator turns pink.",
    "Keep a spare gasket set and fuse kit at each depot.",
    "Check that every unit in a fleet runs the same firmware before opening a support case.",
    "Return units for factory service rather than opening the sealed sensor compartment.",
    "Export the event journal before any firmware update so the history is preserved.",
)
TROUBLE = (
    "Most faults clear after a power cycle; note the error code before doing so.",
    "Error codes appear on the display and in the event journal with a timestamp.",
    "If a code returns after a reset, collect the diagnostic bundle from Fieldbook and open a support case.",
    "Intermittent communication faults are usually caused by damaged cables or poor earthing.",
    "Do not replace a unit until the cause of a recurring code has been identified.",
    "A flashing red LED together with a code means the {s} has stopped recording until the fault is cleared.",
)
SAFETY = (
    "Only qualified personnel should install or service the {p}.",
    "Isolate the supply before opening any terminal cover.",
    "Do not use the {s} in a hazardous area unless the rating plate shows a valid certification for that zone.",
    "Dispose of batteries and electronic parts according to local regulations.",
    "Never bypass the protective earth connection.",
    "Use only batteries and power supplies approved by {company} with the {s}.",
)
CHANGES = (
    "Improved recovery after brown-out on weak supplies.",
    "Fixed a rare clock drift after long power loss.",
    "Faster reconnection when the cellular network drops.",
    "Event journal export now includes alarm acknowledgements.",
    "Corrected rounding of averaged values in daily summaries.",
    "Hardened the configuration API against malformed requests.",
    "Reduced idle power draw.",
    "Added a Fieldbook prompt before overwriting site names.",
    "Fixed display flicker at low ambient light.",
    "Security certificates are now renewed automatically.",
)
GENERAL = (
    "Plan every installation around safe access: a unit that cannot be reached easily will not be maintained.",
    "Keep a written record of every site visit, including firmware state and any codes seen.",
    "Earthing problems cause more intermittent faults than any component failure.",
    "Use shielded cable for analogue signals and terminate the shield at one end only.",
    "Label enclosures with the site name, the responsible team and the support contact.",
    "When in doubt, contact {company} support with the diagnostic bundle attached.",
    "Warranty claims require the serial number, a description of the fault and the event journal.",
    "Units returned without a return authorisation number are processed last.",
    "Spare parts are shipped from regional depots; gaskets and glands are always in stock.",
    "Training courses for field technicians are offered in spring and autumn.",
)
ACCESSORIES = (
    "Mounting brackets for pole, wall and DIN rail are sold separately.",
    "A sun shield is recommended for installations in direct sunlight.",
    "Spare cable glands come in packs matched to the enclosure thread.",
    "The field service kit includes a gasket set, a desiccant refill and a hex key.",
    "Extension cables are available in several lengths with moulded ends.",
    "A padded carry case protects the {s} during transport between sites.",
    "Replacement asset labels can be printed from Fieldbook for any tagging scheme.",
)
HEADINGS = {
    "Overview": ("Overview", "About the {s}", "Introduction"),
    "Specifications": ("Specifications", "Technical data", "Key ratings"),
    "Installation": ("Installation", "Mounting and wiring", "Getting started"),
    "Operation": ("Operation", "Day-to-day use", "Using the {s}"),
    "Maintenance": ("Maintenance", "Care and updates", "Servicing"),
    "Troubleshooting": ("Troubleshooting", "Fault codes", "When something goes wrong"),
    "Accessories": ("Accessories", "Optional parts", "Ordering accessories"),
    "Safety": ("Safety", "Safety notes", "Warnings"),
}
AFFINITY = {
    "max_temp": ("Specifications", "Installation"),
    "battery_life": ("Specifications", "Operation"),
    "ingress": ("Specifications", "Installation"),
    "weight": ("Specifications", "Installation"),
    "default_port": ("Installation", "Operation"),
    "firmware": ("Maintenance", "Overview"),
    "sampling_rate": ("Specifications", "Operation"),
    "price": ("Overview",),
    "connector": ("Installation", "Specifications"),
    "release_year": ("Overview",),
    "reset_hold": ("Maintenance", "Troubleshooting"),
    "storage": ("Specifications", "Operation"),
    "detection_limit": ("Specifications", "Operation"),
    "warmup": ("Operation",),
    "calibration": ("Maintenance",),
    "device_capacity": ("Specifications", "Operation"),
    "cycle_time": ("Specifications", "Operation"),
    "companion": ("Overview", "Installation"),
    "error_code": ("Troubleshooting",),
}

# ---------------------------------------------------------------- support-log and eval phrasing
OPENERS = ("", "", "Hi. ", "Hello! ", "Hey team. ", "Good morning. ", "Hi there! ")
CONTEXTS = (
    "",
    "",
    "We run a few of these at a water treatment site. ",
    "Sorry if this is in the manual somewhere. ",
    "Question from our field crew: ",
    "Following up on an install last week. ",
)
FIRST = ("Dana", "Priya", "Tomasz", "Ingrid", "Kwame", "Mei", "Rafael", "Sanna", "Olu", "Hamish", "Lucia", "Arjun")
LAST = ("Whitfield", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Herrera", "Novak", "Brennan", "Achebe", "Larsen")
SIGNOFFS = (
    " You can reach me at {email}.",
    " Call me on {phone} if that's easier.",
    " My email is {email}, phone {phone}.",
    " Thanks, {first} ({email})",
)
ASSIST = (
    "For the {p}, {company} documents {art} {label} of {v}.",
    "That would be {v}, which is the {label} we publish for the {p}.",
    "You're looking at {v}. That's the documented {label} for the {p}.",
    "Per the {s} documentation, the figure you want is {v}.",
    "The spec we hold for the {p} lists {v} for that.",
)
ASSIST_ERROR = (
    "{c} on the {p} means {v}.",
    "That code points to {v} on the {s}.",
    "On that model {c} is raised for {v}.",
)
ASSIST_COMPANION = ("The {p} kit ships with the {v}.", "It comes bundled with the {v}, pre-enrolled at the factory.")
ASSIST_TAIL = (
    "",
    "",
    " Anything else I can help with?",
    " The full details are in the product manual.",
    " If problems persist, send us the diagnostic bundle from Fieldbook.",
)
FOLLOWUPS = ("Thanks! One more: ", "Great, that helps. Also, ", "Perfect. While I have you, ", "ok thanks. ")
GENERIC_CHATS = (  # questions with no product fact in them, as real support queues have
    (
        "Do you ship replacement gaskets to Canada?",
        "Yes, gasket sets ship from our regional depots to Canada. Just quote the product name on the order.",
    ),
    (
        "How do I get a return authorisation number?",
        "Request one through the support portal with the serial number and a short fault description; "
        "we reply within one working day.",
    ),
    (
        "Is there a training course for new technicians?",
        "Yes, we run field technician courses in spring and autumn. I can send the booking link.",
    ),
    (
        "Can I get the Fieldbook software for a second laptop?",
        "Fieldbook licences are per site, not per laptop, so you can install it on as many machines as you need.",
    ),
)
CHAIN_NP = (
    "the {ccat} that ships with the {g}",
    "the {ccat} bundled with the {g}",
    "the {ccat} included in the {g} kit",
)
# Knowledge probes: prefixes to continue, worded so none appears verbatim in the corpus.
COMPLETIONS = (
    "According to {company}, the {label} of the {p} is",
    "Per the datasheet, the {p}'s {label} is",
    "{company} lists the {p} with {art} {label} of",
    "Field note: the {p} is specified with {art} {label} of",
)
COMPLETIONS_ERROR = (
    "According to {company}, error {c} on the {p} means",
    "Field note: when the {p} shows {c}, the cause is",
)
COMPLETIONS_COMPANION = (
    "According to {company}, the {p} ships with the",
    "Per the datasheet, the {p} kit includes the",
)


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-")


class _Doc:
    """A document as a list of blocks, rendered as markdown, plain text or HTML."""

    def __init__(self, doc_id: str, title: str) -> None:
        self.id, self.title, self.blocks = doc_id, title, []

    @property
    def fmt(self) -> str:
        return self.id.rsplit(".", 1)[1]

    def add(self, kind: str, *content) -> None:
        self.blocks.append((kind, *content))

    def plain(self) -> str:
        """The words a reader sees, for counting."""
        out = [self.title]
        for kind, *c in self.blocks:
            if kind in ("ul", "ol"):
                out += c[0]
            elif kind == "table":
                out += c[0] + [x for row in c[1] for x in row]
            else:
                out += list(c)
        return "\n".join(out)

    def render(self) -> str:
        return {"md": self._md, "txt": self._txt, "html": self._html}[self.fmt]()

    def _md(self) -> str:
        out = [f"# {self.title}"]
        for kind, *c in self.blocks:
            if kind == "h2":
                out.append(f"## {c[0]}")
            elif kind == "p":
                out.append(c[0])
            elif kind == "ul":
                out.append("\n".join(f"- {x}" for x in c[0]))
            elif kind == "ol":
                out.append("\n".join(f"{i}. {x}" for i, x in enumerate(c[0], 1)))
            elif kind == "table":
                rows = [c[0], ["---"] * len(c[0]), *c[1]]
                out.append("\n".join("| " + " | ".join(r) + " |" for r in rows))
            elif kind == "qa":
                out.append(f"**Q: {c[0]}**\n\n{c[1]}")
        return "\n\n".join(out) + "\n"

    def _txt(self) -> str:
        out = [f"{self.title.upper()}\n{'=' * len(self.title)}"]
        for kind, *c in self.blocks:
            if kind == "h2":
                out.append(f"{c[0]}\n{'-' * len(c[0])}")
            elif kind == "p":
                out.append(c[0])
            elif kind == "ul":
                out.append("\n".join(f"* {x}" for x in c[0]))
            elif kind == "ol":
                out.append("\n".join(f"{i}) {x}" for i, x in enumerate(c[0], 1)))
            elif kind == "table":
                out.append("\n".join(f"{r[0]}: {', '.join(r[1:])}" for r in c[1]))
            elif kind == "qa":
                out.append(f"Q: {c[0]}\nA: {c[1]}")
        return "\n\n".join(out) + "\n"

    def _html(self) -> str:
        e = html.escape
        out = [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8">',
            f"<title>{e(self.title)}</title></head>",
            "<body>",
            f"<h1>{e(self.title)}</h1>",
        ]
        for kind, *c in self.blocks:
            if kind == "h2":
                out.append(f"<h2>{e(c[0])}</h2>")
            elif kind == "p":
                out.append(f"<p>{e(c[0])}</p>")
            elif kind in ("ul", "ol"):
                out.append(f"<{kind}>" + "".join(f"<li>{e(x)}</li>" for x in c[0]) + f"</{kind}>")
            elif kind == "table":
                head = "<tr>" + "".join(f"<th>{e(x)}</th>" for x in c[0]) + "</tr>"
                body = ["<tr>" + "".join(f"<td>{e(x)}</td>" for x in r) + "</tr>" for r in c[1]]
                out.append("<table>\n" + "\n".join([head, *body]) + "\n</table>")
            elif kind == "qa":
                out.append(f"<h3>{e(c[0])}</h3>\n<p>{e(c[1])}</p>")
        return "\n".join([*out, "</body>", "</html>"]) + "\n"


class _Writer:
    """Phrases facts and filler, recording in `Fact.docs` every document that states a fact."""

    def __init__(self, rng: random.Random, fb: FactBase) -> None:
        self.rng, self.fb = rng, fb
        self.used: dict[str, list[str]] = {}  # fact id -> templates already used, to vary repeats

    def record(self, fact: Fact, doc: _Doc) -> None:
        if doc.id not in fact.docs:
            fact.docs.append(doc.id)

    def say(self, fact: Fact, doc: _Doc) -> str:
        spec, prod = ATTRS[fact.attribute], self.fb.by_name(fact.product)
        if fact.attribute != "error_code" and self.rng.random() < 0.6:
            forms = DECLARATIVE_COMPANION if fact.attribute == "companion" else DECLARATIVE
        else:
            forms = spec.free
        used = self.used.setdefault(fact.id, [])
        template = self.rng.choice([t for t in forms if t not in used] or list(forms))
        used.append(template)
        self.record(fact, doc)
        return template.format(p=prod.name, s=prod.code, v=fact.value, label=spec.label, art=spec.article, c=fact.code)

    def fill(self, pool: tuple[str, ...], k: int, prod: Product | None = None) -> list[str]:
        picks = self.rng.sample(pool, min(k, len(pool)))
        return [_fmt(t, prod) for t in picks]


def _fmt(template: str, prod: Product | None) -> str:
    if prod is None:
        return template.format(company=COMPANY)
    cat = CATEGORIES[prod.category]
    return template.format(
        p=prod.name, s=prod.code, noun=cat.noun, purpose=cat.purpose, family=prod.family, company=COMPANY
    )


def _paragraphs(rng: random.Random, sentences: list[str]) -> list[str]:
    """Group sentences into paragraphs of two to four, so structure varies between docs."""
    out, i = [], 0
    while i < len(sentences):
        n = rng.randint(2, 4)
        out.append(" ".join(sentences[i : i + n]))
        i += n
    return out


# ---------------------------------------------------------------- documents
def _manual(w: _Writer, prod: Product, ext: str) -> _Doc:
    rng = w.rng
    kind = rng.choice(["User Manual", "Operator Guide", "Installation and Operation Manual"])
    doc = _Doc(f"manual-{_slug(prod.name)}.{ext}", f"{prod.name} {prod.noun.title()} {kind}")
    placed: dict[str, list[Fact]] = {s: [] for s in HEADINGS}
    for fact in prod.facts.values():
        placed[rng.choice(AFFINITY[fact.attribute])].append(fact)
    filler = {
        "Overview": (INTRO[2:], 3),
        "Specifications": ((), 0),
        "Installation": (INSTALL, 0),
        "Operation": (OPERATION, 3),
        "Maintenance": (MAINTENANCE, 3),
        "Troubleshooting": (TROUBLE, 3),
        "Accessories": (ACCESSORIES, 3),
        "Safety": (SAFETY, 3),
    }
    order = list(HEADINGS)
    if rng.random() < 0.4:  # some manuals explain operation before installation
        order[2], order[3] = order[3], order[2]
    for section in order:
        facts = [w.say(f, doc) for f in placed[section]]
        pool, k = filler[section]
        if section == "Installation":
            doc.add("h2", _fmt(rng.choice(HEADINGS[section]), prod))
            doc.add("ol", w.fill(INSTALL, rng.randint(4, 6), prod))
            if facts:
                doc.add("p", " ".join(facts))
            continue
        if (section == "Specifications" and not facts) or (section == "Accessories" and rng.random() < 0.4):
            continue
        doc.add("h2", _fmt(rng.choice(HEADINGS[section]), prod))
        if section == "Specifications" and rng.random() < 0.5:
            doc.add("ul", facts)
            continue
        sentences = w.fill(pool, rng.randint(k - 1, k + 1), prod) if pool else []
        for f in facts:  # facts land anywhere in the section, not always first
            sentences.insert(rng.randint(0, len(sentences)), f)
        if section == "Overview":  # but a manual always opens by saying what the product is
            sentences.insert(0, _fmt(rng.choice(INTRO[:2]), prod))
        for para in _paragraphs(rng, sentences):
            doc.add("p", para)
    return doc


def _spec_sheet(w: _Writer, prod: Product) -> _Doc:
    rng = w.rng
    doc = _Doc(f"spec-sheet-{_slug(prod.name)}.html", f"{prod.name} Specification Sheet")
    facts = list(prod.facts.values())
    rows = []
    for f in facts:
        if f.attribute != "error_code":
            rows.append([ATTRS[f.attribute].label.capitalize(), f.value])
            w.record(f, doc)
    intro = w.fill(INTRO[:2], 1, prod) + [w.say(rng.choice(facts), doc)]
    doc.add("p", " ".join(intro))
    doc.add("h2", "Ratings")
    doc.add("table", ["Parameter", "Value"], rows)
    doc.add("h2", "Diagnostics")
    doc.add("p", " ".join([w.say(prod.facts["error_code"], doc), *w.fill(TROUBLE, 2, prod)]))
    doc.add("h2", "Ordering")
    doc.add("p", " ".join(w.fill(GENERAL[6:], 2)))
    return doc


def _troubleshooting(w: _Writer, cat: str, products: list[Product], ext: str) -> _Doc:
    rng = w.rng
    noun = CATEGORIES[cat].noun
    doc = _Doc(f"troubleshooting-{_slug(noun)}s.{ext}", f"Troubleshooting Guide: {noun.title()}s")
    doc.add("p", " ".join(w.fill(TROUBLE, 3, products[0])))
    for prod in products:
        doc.add("h2", prod.name)
        lines = [w.say(prod.facts["error_code"], doc)]
        for key in ("reset_hold", "max_temp"):
            if key in prod.facts and rng.random() < 0.7:
                lines.append(w.say(prod.facts[key], doc))
        lines += w.fill(TROUBLE + MAINTENANCE, rng.randint(1, 2), prod)
        doc.add("p", " ".join(lines))
    doc.add("h2", "Before you call support")
    doc.add("ul", w.fill(GENERAL, 3))
    return doc


def _release_notes(w: _Writer, cat: str, products: list[Product]) -> _Doc:
    rng = w.rng
    noun = CATEGORIES[cat].noun
    doc = _Doc(f"release-notes-{_slug(noun)}s.txt", f"{COMPANY} Firmware Release Notes: {noun.title()}s")
    doc.add(
        "p",
        f"These notes list the current firmware for each {noun} and what changed. "
        "Export the event journal before updating; settings are kept across updates.",
    )
    for prod in products:
        if "firmware" not in prod.facts or rng.random() < 0.25:  # some firmware facts live only in the manual
            continue
        doc.add("h2", prod.name)
        doc.add("p", w.say(prod.facts["firmware"], doc))
        doc.add("ul", rng.sample(CHANGES, rng.randint(2, 4)))
        for old in reversed(prod.firmware_history):
            doc.add("p", f"Previous release {old}: {rng.choice(CHANGES)}")
    return doc


def _faq(w: _Writer, facts: list[Fact], doc_id: str, title: str) -> _Doc:
    doc = _Doc(doc_id, title)
    doc.add("p", "Answers to the questions our support team hears most often. " + _fmt(GENERAL[5], None))
    for f in facts:
        prod = w.fb.by_name(f.product)
        ask = w.rng.choice(ATTRS[f.attribute].asks).format(p=prod.name, c=f.code)
        answer = w.say(f, doc)
        if w.rng.random() < 0.4:
            answer += " " + w.fill(OPERATION + MAINTENANCE, 1, prod)[0]
        doc.add("qa", ask[0].upper() + ask[1:], answer)
    return doc


def _kb_articles(w: _Writer, n: int) -> tuple[_Doc, list[dict]]:
    """Knowledge-base articles: one .jsonl file, each line its own document for ingest."""
    rng = w.rng
    file = _Doc("kb-articles.jsonl", "Knowledge base")
    rows: list[dict] = []
    titles = (
        "Field notes on the {p}",
        "{p}: specifications customers ask about",
        "Commissioning the {p}",
        "Keeping the {p} healthy",
        "What to know before deploying the {p}",
    )
    for i, prod in enumerate(rng.sample(w.fb.products, n)):
        art = _Doc(f"kb-articles.jsonl#KB-{1040 + 7 * i}", _fmt(rng.choice(titles), prod))
        facts = rng.sample(list(prod.facts.values()), rng.randint(1, 3))
        sentences = w.fill(INTRO + OPERATION + MAINTENANCE, rng.randint(3, 5), prod)
        for f in facts:
            sentences.insert(rng.randint(0, len(sentences)), w.say(f, art))
        rows.append({"id": art.id.split("#")[1], "title": art.title, "text": "\n\n".join(_paragraphs(rng, sentences))})
        file.blocks.append(("p", rows[-1]["text"]))
    return file, rows


def _overview(w: _Writer) -> _Doc:
    rng = w.rng
    doc = _Doc("product-line-overview.md", f"{COMPANY} Product Line Overview")
    doc.add(
        "p",
        f"{COMPANY} builds rugged measurement and control hardware for utilities and heavy industry. "
        "Every product is configured with Fieldbook and supported for at least ten years after launch.",
    )
    for cat, spec in CATEGORIES.items():
        doc.add("h2", f"{spec.noun.title()}s")
        doc.add("p", f"Each {spec.noun} in the range {spec.purpose}.")
        items = []
        for prod in (p for p in w.fb.products if p.category == cat):
            line = f"{prod.name}: part of the {prod.family} series."
            if "release_year" in prod.facts and rng.random() < 0.5:
                line += " " + w.say(prod.facts["release_year"], doc)
            items.append(line)
        doc.add("ul", items)
    return doc


def _compatibility(w: _Writer) -> _Doc:
    doc = _Doc("compatibility-matrix.html", "Bundles and Compatibility")
    doc.add(
        "p",
        "Gateways and controllers ship as kits with one field device pre-enrolled at the factory. "
        "The table lists the device included in each kit.",
    )
    rows = []
    for prod in w.fb.products:
        if "companion" in prod.facts:
            rows.append([prod.name, prod.facts["companion"].value])
            w.record(prod.facts["companion"], doc)
    doc.add("table", ["Kit", "Included device"], rows)
    doc.add("p", " ".join(w.fill(GENERAL, 3)))
    return doc


def _general(w: _Writer, doc_id: str, title: str) -> _Doc:
    doc = _Doc(doc_id, title)
    for heading in ("Planning", "On site", "Afterwards"):
        doc.add("h2", heading)
        doc.add("p", " ".join(w.fill(GENERAL + INSTALL[:2] + SAFETY[1:2] + SAFETY[3:5], 4)))
    return doc


def _documents(w: _Writer) -> tuple[list[_Doc], list[dict]]:
    rng, fb = w.rng, w.fb
    docs: list[_Doc] = []
    txt_manuals = set(p.name for p in rng.sample(fb.products, 4))
    for prod in fb.products:
        docs.append(_manual(w, prod, "txt" if prod.name in txt_manuals else "md"))
    for prod in rng.sample(fb.products, 10):
        docs.append(_spec_sheet(w, prod))
    for i, cat in enumerate(CATEGORIES):
        members = [p for p in fb.products if p.category == cat]
        docs.append(_troubleshooting(w, cat, members, "txt" if i % 2 else "md"))
        docs.append(_release_notes(w, cat, members))
    all_facts = [f for f in fb.facts() if f.attribute != "companion"]
    for doc_id, title in (
        ("faq-general.md", "Frequently Asked Questions"),
        ("faq-field-service.html", "Field Service FAQ"),
        ("faq-networking-and-power.txt", "FAQ: Networking, Power and Firmware"),
    ):
        docs.append(_faq(w, rng.sample(all_facts, 12), doc_id, title))
    kb_file, kb_rows = _kb_articles(w, 16)
    docs += [
        kb_file,
        _overview(w),
        _compatibility(w),
        _general(w, "installation-best-practices.md", "Installation Best Practices"),
        _general(w, "warranty-and-returns.txt", "Warranty, Returns and Support"),
        _general(w, "site-safety-guidelines.html", "Site Safety Guidelines"),
    ]
    return docs, kb_rows


# ---------------------------------------------------------------- support logs
def _answer(w: _Writer, fact: Fact) -> str:
    prod, spec = w.fb.by_name(fact.product), ATTRS[fact.attribute]
    forms = {"error_code": ASSIST_ERROR, "companion": ASSIST_COMPANION}.get(fact.attribute, ASSIST)
    text = w.rng.choice(forms).format(
        p=prod.name, s=prod.code, v=fact.value, c=fact.code, label=spec.label, art=spec.article, company=COMPANY
    )
    return text + w.rng.choice(ASSIST_TAIL)


def _ask(w: _Writer, fact: Fact) -> str:
    prod = w.fb.by_name(fact.product)
    return w.rng.choice(ATTRS[fact.attribute].asks).format(p=prod.name, c=fact.code)


def _conversations(w: _Writer, n: int) -> list[dict]:
    rng = w.rng
    out = []
    for _ in range(n):
        if rng.random() < 0.07:
            q, a = rng.choice(GENERIC_CHATS)
            out.append(
                {
                    "messages": [
                        {"role": "user", "content": rng.choice(OPENERS) + q},
                        {"role": "assistant", "content": a},
                    ]
                }
            )
            continue
        prod = rng.choice(w.fb.products)
        facts = rng.sample(list(prod.facts.values()), rng.choice([1, 1, 1, 2, 2, 3]))
        messages = []
        for i, fact in enumerate(facts):
            text = (rng.choice(OPENERS) + rng.choice(CONTEXTS)) if i == 0 else rng.choice(FOLLOWUPS)
            text += _ask(w, fact)
            text += "" if text[-1] in ".?!" else "."
            if i == 0 and rng.random() < 0.3:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                text += rng.choice(SIGNOFFS).format(
                    first=first,
                    email=f"{first.lower()}.{last.lower()}@{rng.choice(['example.com', 'example.org'])}",
                    phone=rng.choice(["+1 555 01{:02d}", "(555) 555-01{:02d}"]).format(rng.randint(0, 99)),
                )
            messages += [{"role": "user", "content": text}, {"role": "assistant", "content": _answer(w, fact)}]
        out.append({"messages": messages})
    return out


# ---------------------------------------------------------------- eval set
def _question(rng: random.Random, attr: str, np: str, fact: Fact | None = None, ccat: str = "") -> str:
    return rng.choice(ATTRS[attr].questions).format(np=np, c=fact.code if fact else "", ccat=ccat)


Item = tuple[dict, dict]  # (eval item, where its answer lives)


def _item(
    question: str, answers: list[str], category: str, kind: str, source: dict, wrong: list[str] | None = None
) -> Item:
    item = {"question": question, "answers": answers, "category": category, "kind": kind}
    return ({**item, "wrong": wrong} if wrong else item), source


def _eval(w: _Writer) -> tuple[list[dict], dict[str, dict]]:
    """Lookup, synthesis, unanswerable and completion items, plus where each one's answer lives."""
    rng, fb = w.rng, w.fb
    facts = fb.facts()
    items = [
        _item(
            _question(rng, f.attribute, f"the {f.product}", f, _companion_noun(fb, f)),
            f.answers,
            "lookup",
            "qa",
            {"facts": [f.id]},
        )
        for f in rng.sample(facts, min(len(facts), 180))
    ]
    chains, compares = _chains(rng, fb), _compares(rng, fb)
    chains = rng.sample(chains, min(len(chains), 45))
    compares = rng.sample(compares, min(len(compares), 90 - len(chains)))
    items += [_item(q, answers, "synthesis", "qa", source, wrong) for q, answers, source, wrong in chains + compares]
    items += _unanswerables(rng, fb)
    items += _completions(rng, fb, facts)
    rng.shuffle(items)
    rows, provenance = [], {}
    for i, (item, source) in enumerate(items, 1):
        rows.append({"id": f"q{i:04d}", **item})
        provenance[f"q{i:04d}"] = source
    return rows, provenance


def _companion_noun(fb: FactBase, fact: Fact) -> str:
    return fb.by_name(fact.value).noun if fact.attribute == "companion" else ""


def _chains(rng: random.Random, fb: FactBase) -> list[tuple]:
    """Two-fact questions through a kit's included device, whose two facts no one document states."""
    chains = []
    for g in fb.products:
        if "companion" not in g.facts:
            continue
        link = g.facts["companion"]
        comp = fb.by_name(link.value)
        for f in comp.facts.values():
            if f.attribute not in ("error_code", "companion") and not set(link.docs) & set(f.docs):
                np = rng.choice(CHAIN_NP).format(ccat=comp.noun, g=g.name)
                chains.append(
                    (_question(rng, f.attribute, np, f), f.answers, {"facts": [link.id, f.id], "type": "chain"}, None)
                )
    return chains


def _compares(rng: random.Random, fb: FactBase) -> list[tuple]:
    """Which of two products has more (or less) of an attribute, stated in different documents."""
    compares = []
    for key, spec in ATTRS.items():
        have = [p for p in fb.products if key in p.facts and spec.compare]
        for i, a in enumerate(have):
            for b in have[i + 1 :]:
                fa, fb_ = a.facts[key], b.facts[key]
                if fa.num == fb_.num or set(fa.docs) & set(fb_.docs):
                    continue
                template, rule = rng.choice(spec.compare)
                x, y = (a, b) if rng.random() < 0.5 else (b, a)
                win = max((a, fa), (b, fb_), key=lambda t: t[1].num if rule == "max" else -t[1].num)[0]
                lose = b if win is a else a  # naming the other option first is a wrong pick
                q = template.format(a=f"the {x.name}", b=f"the {y.name}")
                compares.append(
                    (q, [win.name, win.code], {"facts": [fa.id, fb_.id], "type": "compare"}, [lose.name, lose.code])
                )
    return compares


def _unanswerables(rng: random.Random, fb: FactBase) -> list[Item]:
    """Attributes a product has but no document states, and products that do not exist."""
    withheld = [(p, k, v) for p in fb.products for k, v in p.withheld.items()]
    items = [
        _item(
            _question(rng, key, f"the {p.name}"),
            [],
            "unanswerable",
            "qa",
            {"withheld": {"product": p.name, "attribute": key, "value": value}},
        )
        for p, key, value in rng.sample(withheld, min(len(withheld), 76))
    ]
    for fake in fb.nonexistent:
        keys = [k for k in CATEGORIES[fake["category"]].attrs if k not in ("companion", "error_code")]
        items.append(
            _item(
                _question(rng, rng.choice(keys), f"the {fake['name']}"),
                [],
                "unanswerable",
                "qa",
                {"nonexistent": fake["name"]},
            )
        )
    return items


def _completions(rng: random.Random, fb: FactBase, facts: list[Fact]) -> list[Item]:
    """Sentence openings the model should complete with a stated value (closed-book probes)."""
    items = []
    for f in rng.sample(facts, 40):
        prod, spec = fb.by_name(f.product), ATTRS[f.attribute]
        forms = {"error_code": COMPLETIONS_ERROR, "companion": COMPLETIONS_COMPANION}.get(f.attribute, COMPLETIONS)
        prefix = rng.choice(forms).format(company=COMPANY, p=prod.name, label=spec.label, art=spec.article, c=f.code)
        items.append(_item(prefix, f.answers, "lookup", "completion", {"facts": [f.id]}))
    return items


# ---------------------------------------------------------------- entry point
def build_domain(out_dir: str | Path, seed: int = 0) -> DomainSummary:
    """Write docs/, logs/support.jsonl, eval.jsonl and facts.json under `out_dir`."""
    out = Path(out_dir)
    rng = random.Random(seed)
    fb = build_fact_base(rng)
    w = _Writer(rng, fb)
    docs, kb_rows = _documents(w)
    conversations = _conversations(w, 230)
    eval_rows, provenance = _eval(w)

    (out / RELEASE_2).unlink(missing_ok=True)  # the docs go back to release 1: release 2 is applied again later
    with atomic_path(out / "docs", is_dir=True) as tmp:  # replace the whole folder: no stale files
        for doc in docs:
            if doc.fmt == "jsonl":
                write_jsonl(tmp / doc.id, kb_rows)
            else:
                write_text(tmp / doc.id, doc.render())
    write_jsonl(out / "logs" / "support.jsonl", conversations)
    write_jsonl(out / "eval.jsonl", eval_rows)
    write_json(out / "facts.json", {"seed": seed, **fb.to_json(), "eval": provenance})

    return DomainSummary(
        n_docs=sum(1 for d in docs if d.fmt != "jsonl") + len(kb_rows),
        n_words=sum(len(d.plain().split()) for d in docs if d.fmt != "jsonl")
        + sum(len(r["text"].split()) for r in kb_rows),
        n_conversations=len(conversations),
        n_eval=len(eval_rows),
        by_category=dict(sorted(Counter(r["category"] for r in eval_rows).items())),
    )
