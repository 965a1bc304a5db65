from engrain.registry.lineage import changed_sources


def test_changed_sources_are_the_added_and_edited_ones():
    lineage = {"documents": {"a.md": "1", "b.md": "2"}, "conversations": {"log-1": "x"}}
    now = {"sources": {"a.md": "1", "b.md": "3", "c.md": "4"}, "log_sources": {"log-1": "x", "log-2": "y"}}
    assert changed_sources(lineage, now) == {"b.md", "c.md", "log-2"}
    assert changed_sources(lineage, now, conversations=False) == {"b.md", "c.md"}
    assert changed_sources(None, now) == frozenset()  # no lineage: nothing to compare


def test_an_unchanged_corpus_has_nothing_to_retrain_or_reread():
    lineage = {"documents": {"a.md": "1"}, "conversations": None}
    assert changed_sources(lineage, {"sources": {"a.md": "1"}, "log_sources": {}}) == frozenset()
