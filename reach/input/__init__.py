"""reach.input."""
