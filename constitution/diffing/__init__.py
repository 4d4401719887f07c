"""The diff engine: pure functions on texts, with no database and no web.

* :mod:`~constitution.diffing.tokens`: ``tokenize`` splits a text into Myanmar syllables,
  words, numbers, whitespace and punctuation; ``common_prefix``/``common_suffix`` measure
  what two strings share at either end;
* :mod:`~constitution.diffing.diff`: ``diff_tokens`` diffs two texts on those tokens into
  ``(op, text)`` pairs (-1 delete, 0 equal, 1 insert); ``old_text``/``new_text`` rebuild them;
* :mod:`~constitution.diffing.render`: ``inline_html``, ``side_by_side`` and ``synopsis``
  render pairs as escaped HTML with ``<del>``/``<ins>``;
* :mod:`~constitution.diffing.merge`: ``merge3`` rebases an amendment by a three-way merge on
  tokens (any overlap is a conflict, nothing is matched fuzzily); ``changed_ranges`` and
  ``overlaps`` find what an edit changed and whether two edits touch the same words;
* :mod:`~constitution.diffing.anchor`: ``find_anchor`` finds a commented passage again in a
  later revision.

Texts are expected NFC-normalised (see MYANMAR.md); nothing here changes them.
"""
