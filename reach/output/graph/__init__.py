"""reach.output.graph."""
