"""Tests of reach.draw: pictures, the matrix view, highlights, notebooks."""
