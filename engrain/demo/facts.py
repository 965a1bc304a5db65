"""The fact base behind the sample domain: Corvid Instruments, a vendor that does not exist.

Everything the rendered corpus says comes from here, so evaluation can know exactly which
facts are stated, where, and which are deliberately withheld. Values are drawn without
replacement from distinctive pools ("47 hours", "port 7418", "3.2.9"), so a model that
guesses rarely hits the right one and a withheld value can be searched for in the corpus.
The attribute schema also carries the phrasings each attribute is written and asked with:
doc sentences, eval questions and support-log questions use disjoint template sets.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

COMPANY = "Corvid Instruments"


@dataclass(frozen=True)
class AttrSpec:
    """One attribute type. `unique` values never repeat across products (so may be withheld).

    Placeholders: {p} product name, {s} short model code, {v} value; in `questions` and
    `compare`, {np}/{a}/{b} are noun phrases ("the Kestrel DL-40") and never start a string.
    """

    key: str
    label: str
    article: str
    unique: bool
    free: tuple[str, ...]
    questions: tuple[str, ...]
    asks: tuple[str, ...]
    compare: tuple[tuple[str, str], ...] = ()  # (template, "max" | "min": which value wins)


ATTRS: dict[str, AttrSpec] = {
    a.key: a
    for a in [
        AttrSpec(
            "max_temp",
            "maximum operating temperature",
            "a",
            True,
            free=(
                "Rated to {v}, the {p} keeps working through heat that would trip lesser hardware.",
                "Do not run the {s} in ambient air hotter than {v}; above that the internal reference starts to drift.",
                "Thermal qualification puts the upper limit for the {p} at {v}.",
                "The {s} is specified for continuous duty up to {v} ambient.",
            ),
            questions=(
                "How hot can {np} run?",
                "Up to what ambient temperature is {np} rated to operate?",
                "For {np}, what is the upper limit on operating temperature?",
                "What's the hottest environment {np} is specified for?",
            ),
            asks=(
                "our {p} sits in a hot cabinet. how much heat can it take before it's out of spec?",
                "Is there an upper temperature limit I should know about for the {p}?",
                "how warm can it get around the {p} before we have a problem?",
            ),
            compare=(
                ("Which can run hotter, {a} or {b}?", "max"),
                ("Between {a} and {b}, which tolerates the higher ambient temperature?", "max"),
            ),
        ),
        AttrSpec(
            "battery_life",
            "battery life",
            "a",
            True,
            free=(
                "Expect about {v} from a full charge of the {s}.",
                "On a fresh pack the {p} runs for {v} before it needs charging.",
                "Battery endurance for the {p} is quoted at {v} under the default logging profile.",
                "A full charge gives the {s} roughly {v} of unattended operation.",
            ),
            questions=(
                "How long does {np} last on a full battery?",
                "What battery endurance should I expect from {np}?",
                "On a single charge, how long will {np} keep running?",
                "How many hours of battery does {np} get?",
            ),
            asks=(
                "how long will the {p} run on batteries before I have to drive back out to the site?",
                "Planning a field deployment with the {p}. What runtime do I get per charge?",
                "the {p} batteries seem to die quickly, what runtime is it supposed to give?",
            ),
            compare=(
                ("Which has the longer battery life, {a} or {b}?", "max"),
                ("Of {a} and {b}, which one runs longer on a charge?", "max"),
            ),
        ),
        AttrSpec(
            "ingress",
            "ingress rating",
            "an",
            False,
            free=(
                "Sealed to {v}, the {p} can be mounted outdoors without an extra enclosure.",
                "The housing of the {s} meets {v}, so hose-down cleaning is acceptable.",
                "Dust and water protection for the {p} is certified at {v}.",
                "With its {v} housing, the {s} suits washdown areas and exposed masts.",
            ),
            questions=(
                "For {np}, what ingress rating applies?",
                "What IP rating does {np} carry?",
                "How well sealed against dust and water is {np}?",
                "Which IP protection class was {np} certified to?",
            ),
            asks=(
                "can the {p} go outside? what is it sealed to?",
                "Customer wants the IP class of the {p} for their tender documents.",
                "is the {p} ok to hose down or will water get in?",
            ),
        ),
        AttrSpec(
            "weight",
            "weight",
            "a",
            True,
            free=(
                "At {v}, the {p} can be pole-mounted by a single technician.",
                "The {s} tips the scales at {v} without mounting hardware.",
                "Without its bracket, the {p} itself weighs {v}.",
                "Budget {v} per unit of the {p} when calculating mast loading.",
            ),
            questions=(
                "How much does {np} weigh?",
                "What's the mass of {np} without its mounting kit?",
                "How heavy is {np}?",
            ),
            asks=(
                "need the weight of the {p} for a mast load calculation, can you help?",
                "How many grams is the {p}? Our shipping team is asking.",
                "what does a single {p} weigh, roughly?",
            ),
            compare=(("Which is heavier, {a} or {b}?", "max"), ("Which is the lighter unit, {a} or {b}?", "min")),
        ),
        AttrSpec(
            "default_port",
            "default port",
            "a",
            True,
            free=(
                "Out of the box the {p} listens on TCP port {v}.",
                "Point your polling software at port {v}; that is where the {s} answers unless reconfigured.",
                "The factory network profile of the {p} opens port {v} for the configuration API.",
                "Firewall rules must allow port {v} for the {s} to be reachable.",
            ),
            questions=(
                "Which port does {np} listen on by default?",
                "What TCP port should I open in the firewall for {np} with factory settings?",
                "Out of the box, which network port does {np} use?",
            ),
            asks=(
                "our IT team needs to know which port to open for the {p}. what's the factory default?",
                "I can't connect to the {p}, what port is it supposed to be on out of the box?",
                "which port should the SCADA poller hit on a freshly installed {p}?",
            ),
        ),
        AttrSpec(
            "firmware",
            "current firmware version",
            "a",
            True,
            free=(
                "Firmware {v} is the current release for the {p}.",
                "Units of the {s} shipping today carry firmware {v}.",
                "Update the {p} to firmware {v}, the latest build Corvid has published for it.",
                "The newest firmware available for the {s} is {v}.",
            ),
            questions=(
                "Which firmware release is current for {np}?",
                "What's the latest firmware build available for {np}?",
                "To be fully up to date, what firmware should {np} be running?",
            ),
            asks=(
                "what's the newest firmware for the {p}? want to make sure we're up to date",
                "Is there newer firmware for the {p} than what we have? Which version is latest?",
                "which firmware should the {p} be on right now?",
            ),
        ),
        AttrSpec(
            "sampling_rate",
            "sampling rate",
            "a",
            True,
            free=(
                "The {p} samples its inputs at up to {v}.",
                "Acquisition on the {s} runs at {v}, fast enough for most process transients.",
                "Configure the {p} for its maximum rate of {v} when capturing fast events.",
                "With a top acquisition speed of {v}, the {s} catches short spikes that slower units miss.",
            ),
            questions=(
                "How fast does {np} sample?",
                "What's the top acquisition rate of {np}?",
                "At what rate can {np} take readings?",
            ),
            asks=(
                "how many samples per second can the {p} do at most?",
                "We need to capture fast transients. What's the max sampling speed on the {p}?",
            ),
            compare=(
                ("Which samples faster, {a} or {b}?", "max"),
                ("Between {a} and {b}, which offers the higher acquisition rate?", "max"),
            ),
        ),
        AttrSpec(
            "price",
            "list price",
            "a",
            True,
            free=(
                "The {p} is listed at {v} per unit before volume discounts.",
                "Each {s} costs {v} at list.",
                "Corvid's current price list puts the {p} at {v}.",
                "At {v}, the {s} is priced for fleet deployments rather than one-off purchases.",
            ),
            questions=(
                "How much does {np} cost at list?",
                "What does Corvid charge for {np} before discounts?",
                "What's the catalogue price of {np}?",
            ),
            asks=(
                "what would one {p} cost us at list price?",
                "Can you give me the price for a single {p}? Finance needs it for the budget.",
            ),
            compare=(("Which costs more at list, {a} or {b}?", "max"), ("Which is cheaper to buy, {a} or {b}?", "min")),
        ),
        AttrSpec(
            "connector",
            "connector type",
            "a",
            False,
            free=(
                "Field wiring terminates in a {v} connector on the {p}.",
                "The {s} uses a {v} socket for power and signal.",
                "Order cables with a {v} plug to mate with the {p}.",
                "Signal and power enter the {s} through a {v} connector.",
            ),
            questions=(
                "What kind of connector does {np} use?",
                "Which plug mates with {np}?",
                "What connector is fitted on {np} for field wiring?",
            ),
            asks=(
                "what plug do I need to order to wire up the {p}?",
                "Which cable connector fits the {p}? the old cable got crushed.",
            ),
        ),
        AttrSpec(
            "release_year",
            "release year",
            "a",
            False,
            free=(
                "Corvid introduced the {p} in {v}.",
                "First shipped in {v}, the {s} has since replaced several older models.",
                "The {p} has been on the market since {v}.",
                "Since its launch in {v}, the {s} has received regular firmware updates.",
            ),
            questions=(
                "When did {np} come out?",
                "In which year was {np} launched?",
                "What year did Corvid first ship {np}?",
            ),
            asks=(
                "how old is the {p} design? when did it launch?",
                "what year was the {p} introduced? trying to date our installed base",
            ),
            compare=(("Which came out first, {a} or {b}?", "min"), ("Which is the newer product, {a} or {b}?", "max")),
        ),
        AttrSpec(
            "reset_hold",
            "reset button hold time",
            "a",
            False,
            free=(
                "To factory-reset the {p}, hold the recessed button for {v} until the status LED flashes amber.",
                "A factory reset on the {s} needs the reset button held for {v}.",
                "Keep the reset key pressed for {v} to restore factory settings on the {p}.",
                "Releasing the button before {v} only reboots the {s}; hold it the full time for a factory reset.",
            ),
            questions=(
                "How long do I need to hold the reset button to factory-reset {np}?",
                "For a factory reset of {np}, how long must the button stay pressed?",
                "What's the button hold duration for resetting {np} to defaults?",
            ),
            asks=(
                "how long do I press the reset button on the {p} to wipe it back to defaults?",
                "I tried a reset on the {p} but it only rebooted. how long should I hold the button?",
            ),
        ),
        AttrSpec(
            "storage",
            "memory capacity",
            "a",
            True,
            free=(
                "Internal flash on the {p} holds {v}.",
                "The {s} stores up to {v} before the oldest records are overwritten.",
                "With room for {v}, the {p} can run for months between downloads.",
                "Onboard memory of the {s} is sized for {v}.",
            ),
            questions=(
                "How many readings can {np} store internally?",
                "What's the onboard storage capacity of {np} in readings?",
                "How much data can {np} hold before it starts overwriting?",
            ),
            asks=(
                "how many records fit in the {p} memory before it wraps around?",
                "We only visit sites twice a year. How much can the {p} store?",
            ),
            compare=(("Which can store more readings, {a} or {b}?", "max"),),
        ),
        AttrSpec(
            "detection_limit",
            "upper detection limit",
            "an",
            True,
            free=(
                "The {p} measures gas concentrations up to {v}.",
                "Readings on the {s} saturate at {v}; above that the display shows over-range.",
                "Full scale for the {p} sensor cell is {v}.",
                "Concentrations beyond {v} are outside what the {s} can resolve.",
            ),
            questions=(
                "What is the highest gas concentration {np} can measure?",
                "Up to how many ppm does {np} read before going over-range?",
                "What's the full-scale reading of {np}?",
            ),
            asks=(
                "what's the max concentration the {p} can read? we sometimes see big spikes",
                "At what ppm level does the {p} go over-range?",
            ),
            compare=(("Which can read higher gas concentrations, {a} or {b}?", "max"),),
        ),
        AttrSpec(
            "warmup",
            "warm-up time",
            "a",
            True,
            free=(
                "After power-up the {p} needs {v} before readings are valid.",
                "Allow {v} of warm-up before trusting the first readings from the {s}.",
                "The sensing element of the {p} stabilises within {v} of switch-on.",
                "Readings from the {s} are flagged as provisional for the first {v}.",
            ),
            questions=(
                "How long does {np} take to warm up?",
                "After switching on {np}, how long until its readings can be trusted?",
                "What stabilisation delay does {np} need at power-on?",
            ),
            asks=(
                "how long after turning on the {p} should we wait before taking readings?",
                "the {p} shows odd numbers right after power on. how long is the warm-up?",
            ),
            compare=(("Which warms up faster, {a} or {b}?", "min"),),
        ),
        AttrSpec(
            "calibration",
            "calibration interval",
            "a",
            True,
            free=(
                "Calibrate the {p} every {v} to stay within its accuracy class.",
                "Corvid recommends a fresh calibration of the {s} at least every {v}.",
                "The {p} prompts for calibration once {v} have passed since the last one.",
                "Plan a full calibration of the {s} every {v}, with bump tests in between.",
            ),
            questions=(
                "How often does {np} need recalibrating?",
                "What's the recommended recalibration period for {np}?",
                "How many days can {np} go between calibrations?",
            ),
            asks=(
                "how often do we have to recalibrate the {p}?",
                "Our safety officer asked about the calibration schedule for the {p}. what does Corvid recommend?",
            ),
            compare=(("Which can go longer between calibrations, {a} or {b}?", "max"),),
        ),
        AttrSpec(
            "device_capacity",
            "device capacity",
            "a",
            True,
            free=(
                "A single {p} can manage up to {v}.",
                "The {s} supports {v} on its field bus.",
                "Plan for no more than {v} per {p}; extra nodes are refused.",
                "Each {s} tracks as many as {v} at once.",
            ),
            questions=(
                "How many field devices can {np} manage at once?",
                "What's the maximum number of nodes {np} can handle?",
                "How many devices can I attach to one unit of {np}?",
            ),
            asks=(
                "how many sensors can hang off one {p} before we need a second unit?",
                "Is there a limit on how many devices the {p} will accept?",
            ),
            compare=(("Which can manage more field devices, {a} or {b}?", "max"),),
        ),
        AttrSpec(
            "cycle_time",
            "control cycle time",
            "a",
            True,
            free=(
                "The {p} closes its control loops every {v}.",
                "Loop execution on the {s} repeats on a {v} cycle.",
                "With a {v} scan cycle, the {p} suits fast pressure loops.",
                "Each pass through the {s} control program takes {v}.",
            ),
            questions=(
                "How quickly does {np} execute its control loop?",
                "What's the loop scan period of {np}?",
                "How often does {np} run through its control cycle?",
            ),
            asks=(
                "what's the scan time of the {p} control loop? tuning a fast loop",
                "How fast does the {p} cycle its control program?",
            ),
            compare=(("Which has the faster control cycle, {a} or {b}?", "min"),),
        ),
        AttrSpec(
            "companion",
            "companion device",
            "a",
            False,
            free=(
                "Every {p} ships with a {v} in the box.",
                "The {s} is bundled with the {v} as standard.",
                "Out of the box, the {p} comes paired with the {v}.",
                "Each {s} kit includes a {v}, pre-enrolled at the factory.",
            ),
            questions=(
                "Which {ccat} comes in the box with {np}?",
                "What {ccat} is bundled with {np}?",
                "When you buy {np}, which {ccat} is included?",
            ),
            asks=("does the {p} come with a sensor? which one?", "What device is bundled in the {p} kit?"),
        ),
        AttrSpec(
            "error_code",
            "error code",
            "an",
            False,
            free=(
                "On the {p}, error {c} means {v}.",
                "Error code {c} on the {p} indicates {v}.",
                "If the {s} shows {c}, the cause is {v}.",
                "Code {c} from the {p} points to {v}.",
            ),
            questions=(
                "What does error {c} signify on {np}?",
                "What fault is {np} reporting when it displays {c}?",
                "If {np} throws {c}, what's wrong?",
            ),
            asks=(
                "my {p} is showing {c} on the display. what does that mean?",
                "Getting {c} on a {p} at one of our sites. What's the cause?",
            ),
        ),
    ]
}

# Sentence shapes engrain's built-in question generator recognises; about half of fact mentions.
DECLARATIVE = ("The {label} of the {p} is {v}.", "The {p} has {art} {label} of {v}.", "The {p}'s {label} is {v}.")
DECLARATIVE_COMPANION = ("The {label} of the {p} is the {v}.", "The {p}'s {label} is the {v}.")


@dataclass(frozen=True)
class CategorySpec:
    noun: str
    purpose: str
    prefixes: tuple[str, ...]
    attrs: tuple[str, ...]
    count: int


CATEGORIES: dict[str, CategorySpec] = {
    "logger": CategorySpec(
        "data logger",
        "records temperature, pressure and analogue signals at remote sites",
        ("DL", "TL", "KL"),
        (
            "max_temp",
            "battery_life",
            "ingress",
            "weight",
            "sampling_rate",
            "storage",
            "firmware",
            "connector",
            "release_year",
            "reset_hold",
            "error_code",
            "price",
        ),
        8,
    ),
    "gas": CategorySpec(
        "gas detector",
        "monitors toxic and combustible gas in plant rooms, tunnels and confined spaces",
        ("GS", "QX", "PX"),
        (
            "max_temp",
            "ingress",
            "weight",
            "detection_limit",
            "warmup",
            "calibration",
            "battery_life",
            "firmware",
            "connector",
            "release_year",
            "error_code",
            "price",
        ),
        6,
    ),
    "gateway": CategorySpec(
        "gateway",
        "collects readings from field devices and forwards them over cellular or Ethernet backhaul",
        ("GX", "HB", "NX"),
        (
            "default_port",
            "firmware",
            "ingress",
            "max_temp",
            "weight",
            "device_capacity",
            "companion",
            "release_year",
            "reset_hold",
            "price",
            "error_code",
        ),
        5,
    ),
    "controller": CategorySpec(
        "controller",
        "runs closed-loop control for pumps, valves and heaters",
        ("MX", "RC", "ZC"),
        (
            "max_temp",
            "default_port",
            "firmware",
            "cycle_time",
            "weight",
            "release_year",
            "error_code",
            "price",
            "connector",
            "companion",
            "reset_hold",
        ),
        5,
    ),
    "vibration": CategorySpec(
        "vibration monitor",
        "tracks bearing and gearbox vibration on rotating machinery",
        ("VB", "VM"),
        (
            "sampling_rate",
            "max_temp",
            "battery_life",
            "ingress",
            "weight",
            "firmware",
            "release_year",
            "connector",
            "price",
            "storage",
            "error_code",
        ),
        6,
    ),
}
COMPANION_CATEGORIES = ("logger", "gas", "vibration")

FAMILIES = (
    "Kestrel",
    "Osprey",
    "Whimbrel",
    "Wryneck",
    "Garganey",
    "Phalarope",
    "Turnstone",
    "Sanderling",
    "Brambling",
    "Twite",
    "Dipper",
    "Scaup",
    "Goldeneye",
    "Redpoll",
    "Siskin",
    "Corncrake",
    "Dunlin",
    "Godwit",
    "Jacana",
    "Smew",
    "Bittern",
    "Nightjar",
    "Stonechat",
    "Shrike",
    "Merganser",
    "Avocet",
    "Dotterel",
    "Ptarmigan",
    "Hoopoe",
    "Waxwing",
    "Firecrest",
    "Nuthatch",
    "Chough",
    "Fulmar",
    "Kittiwake",
    "Shearwater",
    "Gannet",
    "Pochard",
    "Wigeon",
    "Curlew",
    "Lapwing",
    "Greenshank",
)

CONNECTORS = (
    ("LEMO 1B 7-pin", "LEMO 1B"),
    ("Binder 712 5-pin", "Binder 712"),
    ("Deutsch DTM 6-pin", "Deutsch DTM"),
    ("Fischer S103 4-pin", "Fischer S103"),
    ("Harting Han 3A", "Han 3A"),
    ("Amphenol C091 6-pin", "C091"),
    ("Hirose HR10A 10-pin", "HR10A"),
    ("ODU AMC 5-pin", "ODU AMC"),
    ("Souriau 851 8-pin", "Souriau 851"),
    ("M12 8-pin A-coded", "M12 8-pin"),
    ("Bulgin Buccaneer 6-pin", "Buccaneer"),
    ("Phoenix SACC 5-pin", "SACC"),
)
INGRESS = ("IP54", "IP65", "IP66", "IP67", "IP68", "IP69K")

ERROR_MEANINGS = (
    "depleted reference cell",
    "open cold-junction sensor",
    "modem brownout",
    "flat clock battery",
    "flash wear limit reached",
    "sample pump stall",
    "fouled sensor membrane",
    "expired uplink certificate",
    "configuration checksum mismatch",
    "missing bus termination",
    "open heater circuit",
    "zero-point drift",
    "write-protected SD card",
    "output bank overcurrent",
    "internal condensation",
    "lost GPS time source",
    "watchdog reset loop",
    "antenna impedance mismatch",
    "blocked sample inlet",
    "welded relay contact",
    "PoE power budget exceeded",
    "accelerometer saturation",
    "stale calibration record",
    "backplane overtemperature",
    "duplicate node address",
    "charger fault",
    "corrupted log index",
    "tamper switch open",
    "low purge pressure",
    "reversed supply polarity",
    "SIM card not detected",
    "clipped analogue input",
    "seized fan bearing",
    "expired licence key",
)


@dataclass
class Fact:
    """One stated fact. `value` is the canonical string, written verbatim wherever the fact is."""

    id: str
    product: str
    attribute: str
    value: str
    answers: list[str]
    num: float | None = None
    code: str | None = None  # the error code, for error_code facts
    docs: list[str] = field(default_factory=list)  # filled in by the renderer


@dataclass
class Product:
    name: str
    family: str
    code: str
    category: str
    facts: dict[str, Fact]
    withheld: dict[str, str]  # attribute -> a value that exists in the fiction but is never written
    firmware_history: list[str] = field(default_factory=list)

    @property
    def noun(self) -> str:
        return CATEGORIES[self.category].noun


@dataclass
class FactBase:
    products: list[Product]
    nonexistent: list[dict]  # {"name", "category"}: plausible products that are never mentioned

    def by_name(self, name: str) -> Product:
        return next(p for p in self.products if p.name == name)

    def facts(self) -> list[Fact]:
        return [f for p in self.products for f in p.facts.values()]

    def to_json(self) -> dict:
        return {
            "company": COMPANY,
            "attributes": {k: {"label": a.label, "unique": a.unique} for k, a in ATTRS.items()},
            "products": [
                {
                    "name": p.name,
                    "family": p.family,
                    "code": p.code,
                    "category": p.category,
                    "noun": p.noun,
                    "attributes": {k: f.value for k, f in p.facts.items()},
                    "firmware_history": p.firmware_history,
                }
                for p in self.products
            ],
            "facts": [
                {
                    "id": f.id,
                    "product": f.product,
                    "attribute": f.attribute,
                    "value": f.value,
                    "code": f.code,
                    "answers": f.answers,
                    "docs": f.docs,
                }
                for f in self.facts()
            ],
            "withheld": [
                {"product": p.name, "attribute": k, "value": v} for p in self.products for k, v in p.withheld.items()
            ],
            "nonexistent_products": self.nonexistent,
        }


Value = tuple[str, list[str], float | None]  # (value as written, accepted answers, number for comparisons)


def _odd(r: random.Random, lo: int, hi: int, avoid: int) -> int:
    """A number in [lo, hi] that is no multiple of `avoid`: no round numbers a model would guess."""
    while True:
        n = r.randint(lo, hi)
        if n % avoid:
            return n


def _weight(r: random.Random) -> Value:
    n = _odd(r, 140, 4900, 10)
    extra = [f"{n / 1000:g} kg"] if n >= 1000 else []
    return f"{n} g", [f"{n} g", f"{n}g", f"{n} grams", *extra], n


def _firmware(r: random.Random) -> Value:
    v = f"{r.randint(1, 7)}.{r.randint(0, 19)}.{r.randint(4, 29)}"
    return v, [v], None


def _storage(r: random.Random) -> Value:
    x = r.randint(1, 9) + r.randint(1, 9) / 10
    return (
        f"{x:.1f} million readings",
        [f"{x:.1f} million readings", f"{x:.1f} million", f"{round(x * 1_000_000):,}"],
        x,
    )


def _ingress(r: random.Random) -> Value:
    v = r.choice(INGRESS)
    return v, [v, v.replace("IP", "IP ")], None


def _connector(r: random.Random) -> Value:
    full, short = r.choice(CONNECTORS)
    return full, list(dict.fromkeys([full, short])), None


def _number(unit: str, forms: tuple[str, ...], lo: int, hi: int, avoid: int | None = None, scale: int = 1):
    """A maker of `n unit` values: `forms` are the accepted answers ({n} filled in); no `avoid`: any number."""

    def make(r: random.Random) -> Value:
        n = (_odd(r, lo, hi, avoid) if avoid else r.randint(lo, hi)) * scale
        return unit.format(n=n), [f.format(n=n) for f in forms], n

    return make


_VALUES: dict[str, Callable[[random.Random], Value]] = {
    "max_temp": _number("{n} °C", ("{n} °C", "{n}°C", "{n} degrees", "{n} C"), 41, 99, 5),
    "battery_life": _number("{n} hours", ("{n} hours", "{n}h", "{n} hrs"), 31, 1900, 10),
    "weight": _weight,
    "default_port": _number("{n}", ("{n}",), 5000, 9899, 100),
    "firmware": _firmware,
    "sampling_rate": _number("{n} Hz", ("{n} Hz", "{n}Hz", "{n} hertz", "{n} samples per second"), 7, 2400, 10),
    "price": _number("${n:,}", ("${n:,}", "{n:,}", "{n} USD"), 77, 1975, 20, scale=5),
    "storage": _storage,
    "detection_limit": _number("{n} ppm", ("{n} ppm", "{n}ppm", "{n} parts per million"), 45, 4800, 10),
    "warmup": _number("{n} seconds", ("{n} seconds", "{n} s", "{n}s", "{n} sec"), 35, 240, 5),
    "calibration": _number("{n} days", ("{n} days",), 45, 400, 10),
    "device_capacity": _number("{n} devices", ("{n} devices", "{n} field devices", "{n} nodes"), 11, 260, 10),
    "cycle_time": _number("{n} ms", ("{n} ms", "{n}ms", "{n} milliseconds"), 3, 480, 5),
    "reset_hold": _number("{n} seconds", ("{n} seconds", "{n} s", "{n}s", "{n} sec"), 4, 29),
    "release_year": _number("{n}", ("{n}",), 2012, 2024),
    "ingress": _ingress,
    "connector": _connector,
}


class _Pools:
    """Draws attribute values without replacement, so unique attributes never collide."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: dict[str, set[str]] = {}

    def _draw(self, key: str, make) -> tuple[str, list[str], float | None]:
        used = self.used.setdefault(key, set())
        for _ in range(1000):
            value, answers, num = make()
            if value not in used:
                used.add(value)
                return value, answers, num
        raise RuntimeError(f"value pool for {key} exhausted")

    def draw(self, key: str) -> tuple[str, list[str], float | None]:
        make = functools.partial(_VALUES[key], self.rng)
        return self._draw(key, make) if ATTRS[key].unique else make()

    def older_firmware(self, current: str) -> str:
        """A previous release of the same line, from the same pool (never a withheld value)."""
        major, minor, patch = (int(x) for x in current.split("."))

        def make():
            v = f"{major}.{minor}.{self.rng.randint(0, patch - 1)}"
            return v, [v], None

        return self._draw("firmware", make)[0]


def build_fact_base(rng: random.Random) -> FactBase:
    """Products, their stated and withheld attributes, and look-alike products that don't exist."""
    pools = _Pools(rng)
    families = rng.sample(FAMILIES, len(FAMILIES))
    codes = _Codes(rng)
    products: list[Product] = []
    for cat, spec in CATEGORIES.items():
        for _ in range(spec.count):
            family, code = families.pop(), codes.new(cat)
            products.append(Product(f"{family} {code}", family, code, cat, {}, {}))
    rng.shuffle(products)
    _state_facts(rng, pools, products)
    _deal_error_codes(rng, products)
    return FactBase(products, _nonexistent(rng, products, families, codes))


class _Codes:
    """Model codes (prefix-number, sometimes a suffix) never drawn twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, set[str]()

    def new(self, category: str) -> str:
        while True:
            suffix = self.rng.choice(["", "", "", "s", "e"])
            code = f"{self.rng.choice(CATEGORIES[category].prefixes)}-{self.rng.randint(2, 96)}{suffix}"
            if code not in self.used:
                self.used.add(code)
                return code


def _state_facts(rng: random.Random, pools: _Pools, products: list[Product]) -> None:
    """Each product states 6-9 of its attributes and withholds 2-3 unique ones (the unanswerable questions)."""
    companion_pool = [p for p in products if p.category in COMPANION_CATEGORIES]
    companions = rng.sample(companion_pool, sum(p.category in ("gateway", "controller") for p in products))
    n_fact = 0
    for prod in products:
        attrs = list(CATEGORIES[prod.category].attrs)
        unique = [a for a in attrs if ATTRS[a].unique]
        withheld = rng.sample(unique, rng.randint(2, 3))
        must = [a for a in ("error_code", "companion") if a in attrs]
        rest = [a for a in attrs if a not in withheld and a not in must]
        target = rng.randint(6, 9)
        stated = must + rng.sample(rest, min(len(rest), max(0, target - len(must))))
        for key in attrs:  # schema order, so facts.json reads the same way for every product
            if key in stated:
                n_fact += 1
                prod.facts[key] = _fact(f"F{n_fact:03d}", prod, key, pools, companions)
            elif ATTRS[key].unique:
                prod.withheld[key] = pools.draw(key)[0]
        if "firmware" in prod.facts:
            prod.firmware_history = sorted(
                {pools.older_firmware(prod.facts["firmware"].value) for _ in range(rng.randint(1, 2))},
                key=lambda v: [int(x) for x in v.split(".")],
            )


def _fact(fid: str, prod: Product, key: str, pools: _Pools, companions: list[Product]) -> Fact:
    if key == "companion":
        comp = companions.pop()
        return Fact(fid, prod.name, key, comp.name, [comp.name, comp.code])
    if key == "error_code":  # meaning and code are dealt out by _deal_error_codes
        return Fact(fid, prod.name, key, "", [])
    value, answers, num = pools.draw(key)
    return Fact(fid, prod.name, key, value, answers, num)


def _deal_error_codes(rng: random.Random, products: list[Product]) -> None:
    """One documented error per product: a distinct meaning and a distinct code."""
    error_facts = [p.facts["error_code"] for p in products]
    meanings = rng.sample(ERROR_MEANINGS, len(error_facts))
    error_codes = rng.sample(range(100, 990), len(error_facts))
    for fact, meaning, code in zip(error_facts, meanings, error_codes):
        fact.value, fact.code = meaning, f"E{code}"
        fact.answers = list(dict.fromkeys([meaning, meaning.replace("-", " ")]))


def _nonexistent(rng: random.Random, products: list[Product], families: list[str], codes: _Codes) -> list[dict]:
    """Look-alike names no document mentions: half siblings of real products, half unused families."""
    nonexistent: list[dict] = []
    names = [p.name for p in products]
    for i in range(14):
        if i % 2 == 0:  # a sibling of a real product: same family, code never used
            base = rng.choice(products)
            family, cat = base.family, base.category
        else:  # an unused family name
            family, cat = families.pop(), rng.choice(list(CATEGORIES))
        name = f"{family} {codes.new(cat)}"
        if not any(name in n or n in name for n in names):
            nonexistent.append({"name": name, "category": cat})
            names.append(name)
    return nonexistent
