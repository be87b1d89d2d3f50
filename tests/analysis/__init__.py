"""Tests of reach.analysis: queries, the listing, diffs, the export graph."""
