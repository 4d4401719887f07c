"""Threaded comments anchored to passages of the text, on amendments and provisions."""
