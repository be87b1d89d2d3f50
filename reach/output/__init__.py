"""reach.output."""
