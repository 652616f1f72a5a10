"""Candor's terminal UI: a thin Textual shell over `reviewer`."""
