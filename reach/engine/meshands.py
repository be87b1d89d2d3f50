"""What the mesh ANDs into each class's ingress row (:meth:`MeshLayer.ingress
<reach.engine.meshlayer.MeshLayer.ingress>`): the row of what its destination sidecar
admits from every class and, under REGISTRY_ONLY, the row of what every class's proxy
forwards to it; and the digest that numbers the rows ANDed (two classes of one row before
the AND and of equal mesh rows have one row after it: ``Ands``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

from reach.engine import arraypool
from reach.engine.andtables import AndTables
from reach.engine.arrays import IntVec, PortSetIds
from reach.engine.atoms import PortAtoms
from reach.engine.rowbuffer import appended, with_room

#: The number of each ingress row with the mesh's answer ANDed in, by the row before it
#: and the digests of the mesh's row and the proxy's (:meth:`MeshLayer.ingress`).
Ands = dict[tuple[int, bytes, bytes], int]


def digest(row: PortSetIds) -> bytes:
    """A digest of a row of ids (two rows of one digest are taken to be equal)."""
    return hashlib.blake2b(row.tobytes(), digest_size=16).digest()


class MeshAnding:
    """The mesh's rows to AND into every class's ingress row (destination classes: the
    behaviour classes, then the external ends, which the mesh does not filter)."""

    def __init__(
        self,
        atoms: PortAtoms,
        mesh_rows: list[PortSetIds],
        mesh_of: list[int],
        proxy_row: Callable[[int], PortSetIds] | None = None,
        target_of: list[int] | None = None,
    ) -> None:
        """``mesh_rows[d]``: what destination profile d's sidecar admits from every class;
        ``mesh_of``: each behaviour class's profile (-1: no sidecar, the row is taken as it
        is); ``proxy_row(t)``, ``target_of`` (REGISTRY_ONLY): what every class's proxy
        forwards to destination profile t, and each class's."""
        self.atoms, self.mesh_rows, self.mesh_of = atoms, mesh_rows, mesh_of
        self.digests = [digest(row) for row in mesh_rows]
        self.proxy_rows = proxy_row
        self.target_of = target_of
        self._proxy: dict[int, tuple[PortSetIds, bytes]] = {}
        self.and_rows = AndTables(atoms)

    def key(self, c: int, pre: int) -> tuple[int, bytes, bytes]:
        """The digest of class ``c``'s row after the AND, its row before being ``pre``."""
        mesh = self.mesh_of[c] if c < len(self.mesh_of) else -1
        proxy = self._proxy_of(c)
        return (pre, self.digests[mesh] if mesh >= 0 else b"", proxy[1] if proxy else b"")

    def numbered(self, row_of: IntVec, numbered: Ands) -> tuple[IntVec, list[int]]:
        """Each class's number of its row after the AND (``row_of``: its row before), as a
        loop over the classes in order would give them: a key (:meth:`key`) held in
        ``numbered`` keeps its number, and a new one takes the next (``numbered`` is added
        to); and the first class of each new key, in order. The keys are made once per
        distinct (row, mesh digest, proxy digest), not per class (at 10k pods beside Calico
        and the mesh, 2,533 classes of 500 rows: the loop per class took 2-3 ms of each
        renumbering, twice in a Profile's first carrier)."""
        n = len(row_of)
        if not n:
            return np.empty(0, dtype=np.intp), []
        mesh, proxy = self._mesh_codes(n), self._proxy_codes(n)
        meshes, proxies = int(mesh.max()) + 2, int(proxy.max()) + 2  # (-1 is one of each)
        codes = (row_of.astype(np.int64) * meshes + mesh + 1) * proxies + proxy + 1
        _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
        number = np.empty(len(first), dtype=np.intp)
        anew: list[int] = []
        pre = row_of.tolist()
        for u in np.argsort(first, kind="stable").tolist():
            c = int(first[u])
            k = len(numbered)
            number[u] = got = numbered.setdefault(self.key(c, pre[c]), k)
            if got == k:
                anew.append(c)
        return number[inverse.reshape(-1)], anew

    def _mesh_codes(self, n: int) -> IntVec:
        """Per class of ``n``, a number of the digest of its mesh row (equal digests, one
        number), -1 where the mesh does not filter it."""
        ids: dict[bytes, int] = {}
        of_profile = np.array(
            [ids.setdefault(d, len(ids)) for d in self.digests] + [-1], dtype=np.int64
        )
        out = np.full(n, -1, dtype=np.int64)
        m = min(n, len(self.mesh_of))
        out[:m] = of_profile[np.array(self.mesh_of[:m], dtype=np.intp)]
        return out

    def _proxy_codes(self, n: int) -> IntVec:
        """Per class of ``n``, a number of the digest of its proxy's row (REGISTRY_ONLY;
        equal digests, one number), -1 without one."""
        if self.target_of is None:
            return np.full(n, -1, dtype=np.int64)
        targets = np.array(self.target_of[:n], dtype=np.intp)
        ids: dict[bytes, int] = {}
        distinct = np.unique(targets)
        code = np.zeros(int(distinct.max()) + 1, dtype=np.int64)
        for t in distinct.tolist():
            code[t] = ids.setdefault(self._proxy_of_target(t)[1], len(ids))
        return code[targets]

    def row(self, c: int, base: PortSetIds) -> PortSetIds:
        """Class ``c``'s ingress row ``base`` with the mesh's rows ANDed in."""
        mesh = self.mesh_of[c] if c < len(self.mesh_of) else -1
        if mesh >= 0:
            base = self.and_rows(base, self.mesh_rows[mesh])
        proxy = self._proxy_of(c)
        if proxy is not None:
            base = self.and_rows(base, proxy[0])
        return base

    def column(self, entries: PortSetIds, at: int) -> PortSetIds:
        """Every class's entry at class ``at`` (``entries``: before the AND) with the
        mesh's entries at ``at`` ANDed in."""
        all_id = self.atoms.all_id
        n = len(entries)
        if self.mesh_rows:
            at_mesh = np.array([row[at] for row in self.mesh_rows] + [all_id], dtype=np.int32)
            mesh_of = np.full(n, -1, dtype=np.intp)
            mesh_of[: len(self.mesh_of)] = self.mesh_of
            entries = self.and_rows(entries, at_mesh[mesh_of])
        if self.target_of is not None:
            targets = np.array(self.target_of, dtype=np.intp)
            at_proxy = np.array(
                [self._proxy_of_target(t)[0][at] for t in range(int(targets.max()) + 1)],
                dtype=np.int32,
            )
            entries = self.and_rows(entries, at_proxy[targets])
        return entries

    def _proxy_of(self, c: int) -> tuple[PortSetIds, bytes] | None:
        return self._proxy_of_target(self.target_of[c]) if self.target_of is not None else None

    def _proxy_of_target(self, target: int) -> tuple[PortSetIds, bytes]:
        made = self._proxy.get(target)
        if made is None:
            assert self.proxy_rows is not None
            row = self.proxy_rows(target)
            made = self._proxy[target] = (row, digest(row))
        return made


def ands_appended(
    anding: MeshAnding, rows: PortSetIds, row_of: IntVec, made: tuple[Ands, PortSetIds]
) -> tuple[PortSetIds, IntVec, Ands, set[int]]:
    """:meth:`MeshLayer.ingress <reach.engine.meshlayer.MeshLayer.ingress>` over the rows
    before the AND ``rows`` (``row_of``: each class's) given ``made``, the digests (in the
    order of their rows) and the rows of an earlier call over rows of the same numbers:
    every earlier row keeps its number and the rows of new digests are appended
    (:func:`~reach.engine.rowbuffer.appended`: in place, not a copy of every row); when
    most rows are no class's any more, those are dropped."""
    numbered = dict(made[0])
    of, first = anding.numbered(row_of, numbered)
    anew = [anding.row(c, rows[row_of[c]]) for c in first]
    out, fresh = made[1], set()
    if anew:
        stacked = np.stack(anew, out=arraypool.empty((len(anew), len(anew[0])), anew[0].dtype))
        out, fresh = appended(made[1], stacked), set(np.unique(stacked).tolist())
    used = np.unique(of)
    if len(out) > 2 * len(used) + 64:
        keys = list(numbered)
        numbered = {keys[r]: i for i, r in enumerate(used.tolist())}
        out, of = with_room(out, used.tolist()), np.searchsorted(used, of)
    return out, of, numbered, fresh
