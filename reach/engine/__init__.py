"""reach.engine."""
