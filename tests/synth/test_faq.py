"""FAQ pairs from headings, bold questions and Q/A lines."""

from engrain.records import Document


def test_faq_pairs_from_headings_bold_and_qa_lines():
    from engrain.synth.faq import faq_pairs

    doc = Document(
        "f.md",
        "FAQ",
        "# FAQ\n\n### How heavy is the GX-7? Shipping asks.\n\nIt weighs 3 kg. Keep it dry.\n\n"
        "**Q: What does E291 mean?**\n\nCorrupted log index.\n\n"
        "Q: Which port does it use?\nA: Port 7418. Firewalls must allow it.\n\n"
        "## Mounting\n\nUse two screws.",
        "f.md",
        "h",
    )
    assert faq_pairs(doc) == [
        (
            "How heavy is the GX-7? Shipping asks.",
            "It weighs 3 kg.",
        ),  # first sentence: answers lead, boilerplate trails
        ("What does E291 mean?", "Corrupted log index."),
        ("Which port does it use?", "Port 7418."),
    ]
