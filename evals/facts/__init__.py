"""Labelled rewrite pairs and the measurement of the fact check against them."""
