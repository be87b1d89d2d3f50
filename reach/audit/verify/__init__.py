"""Check expectations against the compiled cluster, with a concrete witness when one breaks.

Each end of an expectation resolves to pods and external segments
(:mod:`~reach.audit.verify.endpoints`); the question is then asked of the
``allowed`` sub-matrix between their classes, in one numpy expression
(:mod:`~reach.audit.verify.pairs`). A class pair stands for every pod pair it
holds, except a pod with itself: when both ends hold exactly one and the same
pod of a class, that class pair is no pair at all. The verdicts of ``deny``,
``allow`` and ``only`` are in :mod:`~reach.audit.verify.verdicts`, and the
witness a broken one carries (a pod pair or a path, its port and the policies
that allow it) in :mod:`~reach.audit.verify.witness`.
"""

from reach.audit.verify.verdicts import evaluate

__all__ = ["evaluate"]
