"""Tests of reach.audit: the checks and the expectations file."""
