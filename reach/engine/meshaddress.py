"""Source addresses for Istio's ``ipBlocks``/``notIpBlocks`` (docs/semantics.md, "from.source").

AP ``ip_blocks``: "A list of IP blocks, populated from the source address of the IP
packet." A pod's packets leave from its own address: the input's ``status.podIP`` (the
first of :attr:`Pod.ips`, Kubernetes' primary address). A pod without address in the
input is matched by no ``ipBlocks`` list and excluded by no ``notIpBlocks`` list (the
answer is then partial: ``istio-ip-blocks``). External senders are address segments,
cut at the same blocks by the compiler.

:func:`address_key` is the hook of the label classes: pods whose addresses fall
differently in the blocks the rules name never share a class.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from reach.model.cluster import Pod
from reach.model.ipspace import IPBlock, IPRange, parse_network
from reach.model.istio import IstioObjects, Source, source_address


def block(text: str) -> IPBlock:
    """A single IP (``203.0.113.4``) or a CIDR, as a block (validated by the parser)."""
    return IPBlock(parse_network(text if "/" in text else f"{text}/{128 if ':' in text else 32}"))


def source_blocks(istio: IstioObjects) -> list[str]:
    """The texts of every ``ipBlocks`` and ``notIpBlocks`` item, each once, in order."""
    texts = [
        text
        for policy in istio.authorization
        for rule in policy.rules
        for source in rule.sources or ()
        for text in source.ip_blocks + source.not_ip_blocks
    ]
    return list(dict.fromkeys(texts))


def pod_address(pod: Pod) -> IPRange | None:
    """The pod's source address: its first valid IP (``status.podIP``), or None."""
    return source_address(pod.ips)


def ip_holds(source: Source, address: IPRange | None) -> bool:
    """The address part of a source for a sender at ``address`` (a pod's address, or an
    external segment; None: not known): in one of ``ipBlocks`` if any, in no ``notIpBlocks``."""

    def inside(texts: tuple[str, ...]) -> bool:
        return address is not None and any(block(t).contains(address) for t in texts)

    if source.ip_blocks and not inside(source.ip_blocks):
        return False
    return not inside(source.not_ip_blocks)


def address_key(istio: IstioObjects) -> Callable[[Pod], Hashable]:
    """For the label classes: which of the rules' blocks hold the pod's address (None: the
    pod has no address; ``()`` for every pod when no rule names a block)."""
    blocks = [block(t) for t in source_blocks(istio)]
    if not blocks:
        return lambda pod: ()

    def key(pod: Pod) -> Hashable:
        address = pod_address(pod)
        if address is None:
            return None
        return tuple(b.contains(address) for b in blocks)

    return key
