"""Tests of reach.input: files and stdin, the fast YAML reader, workloads, selectors and
labels, live clusters."""
