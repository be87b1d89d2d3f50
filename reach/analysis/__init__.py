"""Questions asked of a compiled cluster: nodes at a granularity, the connection
list, node references, graphs, multi-hop paths, blast radius and exposure,
explanations and diffs. Everything takes an :class:`~reach.analysis.compiled.Analysis`
(or a view of one)."""
