"""A live cluster, read through the official ``kubernetes`` client.

:class:`LiveSource` lists Namespaces, Pods, NetworkPolicies and Services, and,
when discovery shows that the cluster serves ``policy.networking.k8s.io``,
AdminNetworkPolicies, BaselineAdminNetworkPolicies and ClusterNetworkPolicies.
Lists are read page by page (``limit`` and ``continue``) as raw JSON
(``_preload_content=False``): building the client's model objects costs more
than the request itself on large clusters.

The read is all or nothing: every list is read completely before the first
object is handed on, and any failure raises a :class:`LiveError` whose message
names the cause and what to do about it. See ``docs/live.md``.

Modules: ``client`` (kubeconfig, context, in-cluster: the API client),
``resources`` (what is listed, and how), ``request`` (what a request is for),
``errors`` (failures as LiveError messages), ``read`` (:class:`LiveSource`).
"""

from __future__ import annotations

from reach.input.live.errors import LiveError
from reach.input.live.read import LiveSource
from reach.input.options import LiveOptions

__all__ = ["LiveError", "LiveOptions", "LiveSource"]
