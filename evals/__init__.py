"""Candor's offline evaluation suite: fixed labelled examples, agreement metrics, reports and a baseline."""
