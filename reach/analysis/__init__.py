"""reach.analysis."""
