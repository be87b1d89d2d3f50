"""Tests of reach.model: ports, address ranges, label selectors."""
