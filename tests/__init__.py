"""Tests of reach, laid out like the package (model/, input/, engine/, ...).

Shared code lives in its own modules, never in a test module: ``helpers`` (paths, the
in-process CLI runner), ``strategies`` (Hypothesis clusters), ``builders`` (manifest dicts),
``readers`` (PNG, SVG, DOT read back), ``reference`` (the brute-force reference),
``agreement`` (reach against it) and ``k8s_server`` (a local Kubernetes API server).
"""
