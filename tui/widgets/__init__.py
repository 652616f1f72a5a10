"""Widgets of the review screen, one per file; each only draws what it is given."""
