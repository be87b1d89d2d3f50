"""reach.model."""
