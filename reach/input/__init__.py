"""Reading the cluster: manifest files, stdin and live clusters in, a validated
:class:`~reach.model.cluster.Cluster` out (``loader.build_cluster``), with every
problem reported as ``file#doc field.path: message``."""
