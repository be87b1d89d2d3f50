"""The cluster model: validated namespaces, pods, workloads and policies, as frozen
dataclasses, plus the value types every layer shares (label selectors, port sets,
IP ranges). Nothing here reads raw manifests or imports numpy."""
