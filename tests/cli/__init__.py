"""Tests of the command line, run in-process with typer's CliRunner."""
