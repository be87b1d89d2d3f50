"""``kubectl reach``: reach as a kubectl plugin (the ``kubectl-reach`` executable).

kubectl finds plugins on ``PATH`` and runs ``kubectl-reach`` with the arguments
that follow ``reach``: ``kubectl reach path web db -n shop --context prod``. As a
plugin, reach reads the live cluster by default: a command that reads an input
and is given none (no ``-f``, ``-k``, ``--helm``, ``--context``, ``--kubeconfig``
or ``--in-cluster``) reads the current context of the kubeconfig kubectl would
use (``$KUBECONFIG``, else ``~/.kube/config``). ``--context`` and
``-n/--namespace`` are reach's own options and mean what they mean to kubectl.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from reach.cli import app

PROG = "kubectl reach"
#: Options that name an input: given any, the plugin adds nothing.
INPUT_OPTIONS = frozenset(
    {"-f", "--file", "-k", "--kustomize", "--helm", "--context", "--kubeconfig", "--in-cluster"}
)


def default_kubeconfig() -> str:
    """The kubeconfig kubectl reads: the first file of ``$KUBECONFIG``, else ~/.kube/config."""
    env = os.environ.get("KUBECONFIG", "")
    first = next((p for p in env.split(os.pathsep) if p), "")
    return first or str(Path.home() / ".kube" / "config")


def _reads_input(command: str) -> bool:
    """Whether the reach command reads manifests or a live cluster (it has -f and
    --kubeconfig; ``diff`` names its two inputs itself)."""
    commands = getattr(typer.main.get_command(app), "commands", {})
    found = commands.get(command)
    names = {p.name for p in getattr(found, "params", ())}
    return {"file", "kubeconfig"} <= names


def plugin_args(args: list[str]) -> list[str]:
    """The reach arguments for the plugin's ``args``: the live cluster when no input is
    named (see the module doc)."""
    if not args or args[0].startswith("-") or not _reads_input(args[0]):
        return args
    named = any(a.split("=", 1)[0] in INPUT_OPTIONS for a in args)
    if named or "--help" in args:
        return args
    return [*args, "--kubeconfig", default_kubeconfig()]


def main() -> None:
    """Console entry point of ``kubectl-reach``."""
    app(args=plugin_args(sys.argv[1:]), prog_name=PROG)
