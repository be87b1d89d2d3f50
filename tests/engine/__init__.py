"""Tests of reach.engine: port atoms, the label index, the policy semantics, and the engine
against the brute-force reference."""
