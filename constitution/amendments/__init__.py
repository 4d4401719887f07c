"""Amendments, committees review, conflicts and merging; comments; the inbox."""
