"""The policy engine: a Cluster compiled into behaviour classes and per-direction
rows of port-set ids (``compile.compile_cluster`` -> ``reachability.Reachability``),
and the provenance of each verdict. See docs/architecture.md, "The engine"."""
