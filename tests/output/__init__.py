"""Tests of reach.output: the formats of audits, diffs and graphs."""
