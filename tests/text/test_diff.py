"""Word-level differences between two versions of a draft."""

from __future__ import annotations

from coach.text.diff import Change, changed_words, word_diff


def test_a_revision_reads_as_kept_removed_and_added_words():
    old = "Come to a meeting soon. We care."
    new = "Come to the board meeting on 3 March. We care."
    changes = word_diff(old, new)
    assert "".join(c.text for c in changes if c.kind != "removed") == new
    assert "".join(c.text for c in changes if c.kind != "added") == old
    assert Change("removed", "a") in changes and Change("added", "the board") in changes
    assert changed_words(changes) == (2, 5)  # "a", "soon" out; "the board", "on 3 March" in


def test_identical_versions_have_no_changes():
    assert [c.kind for c in word_diff("Same text.", "Same text.")] == ["same"]
    assert changed_words(word_diff("", "")) == (0, 0)
