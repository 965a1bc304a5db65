"""Document views restate facts in other shapes."""

import random

from samples import DOCS

from engrain.synth.views import document_views


def test_views_restate_facts_in_another_shape():
    views = document_views(DOCS[0], 2, random.Random(0))
    assert views[0].count("85 °C") == 1 and len(views) == 3
    rewritten = " ".join(views[1:])
    assert (
        "The Kestrel DL-40 has a maximum operating temperature of 85 °C." in rewritten
        or "The Kestrel DL-40's maximum operating temperature is 85 °C." in rewritten
    )
