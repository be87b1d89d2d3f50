"""The API client of a live read, configured as kubectl would be.

In-cluster (the pod's service account) or from a kubeconfig: ``--kubeconfig``,
else ``$KUBECONFIG`` (a list of files, merged), else ``~/.kube/config``, with
``--context`` or the current context. Any problem is a :class:`LiveError`.
"""

from __future__ import annotations

import os
from typing import Any

import urllib3
from kubernetes import client as k8s
from kubernetes import config as _k8s_config
from kubernetes.config.config_exception import ConfigException

from reach.input.live.errors import LiveError
from reach.input.live.kubeconfig import read_contexts
from reach.input.live.request import Endpoint
from reach.input.options import LiveOptions

k8s_config: Any = _k8s_config  # the config loaders carry no type hints


def connect(options: LiveOptions, connections: int = 0) -> tuple[k8s.ApiClient, Endpoint]:
    """An API client configured like kubectl would be, and what it talks to; with
    ``connections``, a pool that keeps that many open at once (one per watch)."""
    cfg = k8s.Configuration()
    if connections:
        cfg.connection_pool_maxsize = connections
    # Fail fast and clearly: no silent re-reads after a timeout or a broken page.
    cfg.retries = urllib3.Retry(total=2, connect=2, read=0, status=0, other=0)
    if options.in_cluster:
        context = _load_in_cluster(cfg, options)
    else:
        context = _load_kubeconfig(cfg, options)
    return k8s.ApiClient(cfg), Endpoint(context, str(cfg.host))


def _load_in_cluster(cfg: k8s.Configuration, options: LiveOptions) -> str:
    """Configure ``cfg`` from the pod's service account; the context name to show."""
    try:
        k8s_config.load_incluster_config(client_configuration=cfg)
    except ConfigException as e:
        raise LiveError(
            f"--in-cluster: no in-cluster configuration ({e}); run inside a pod with a "
            "service account token, or use --kubeconfig/--context instead"
        ) from None
    return options.context or "in-cluster"


def _load_kubeconfig(cfg: k8s.Configuration, options: LiveOptions) -> str:
    """Configure ``cfg`` from the kubeconfig's chosen context; that context's name."""
    path = _kubeconfig_path(options.kubeconfig)
    contexts = read_contexts(path)  # checked first: the client fails on bad fields obscurely
    name = options.context or contexts.current
    if not name:
        raise LiveError(
            f"kubeconfig {path} has no current context; pass --context "
            f"(one of: {', '.join(contexts.names) or 'none defined'})"
        )
    if name not in contexts.names:
        raise LiveError(
            f"context {name!r} not found in kubeconfig {path}; "
            f"available: {', '.join(contexts.names) or 'none'} (kubectl config get-contexts)"
        )
    try:
        k8s_config.load_kube_config(
            config_file=path, context=name, client_configuration=cfg, persist_config=False
        )
    except (ConfigException, OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise LiveError(f"cannot use kubeconfig {path}: {e}") from None
    return str(name)


def _kubeconfig_path(explicit: str | None) -> str:
    """kubectl's rule: --kubeconfig, else $KUBECONFIG (a list, merged), else ~/.kube/config."""
    if explicit:
        if not os.path.isfile(os.path.expanduser(explicit)):
            raise LiveError(f"kubeconfig {explicit} not found (--kubeconfig)")
        return explicit
    env = os.environ.get("KUBECONFIG")
    if env:
        if not any(p and os.path.isfile(os.path.expanduser(p)) for p in env.split(os.pathsep)):
            raise LiveError(
                f"no kubeconfig found: none of the files in KUBECONFIG={env} exists; "
                "fix KUBECONFIG or pass --kubeconfig FILE (or --in-cluster inside a pod)"
            )
        return env
    default = os.path.expanduser("~/.kube/config")
    if not os.path.isfile(default):
        raise LiveError(
            f"no kubeconfig found at {default} and KUBECONFIG is not set; pass --kubeconfig FILE, "
            "set KUBECONFIG, or use --in-cluster inside a pod"
        )
    return default
