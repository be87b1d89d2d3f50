"""What ``reach generate`` answers: the policies as YAML (one stream, or one per
namespace), and the verification of them."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from reach.analysis.display import Qualified
from reach.analysis.generate import Generated
from reach.analysis.genverify import Verification
from reach.words import count

#: libyaml's emitter when PyYAML has it (ten times faster), else PyYAML's own.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class GenerateResult(Qualified):
    """The generated policies, what they were generated from, and their verification."""

    source: str  #: "today's connections" or the flows file
    generated: Generated
    verification: Verification
    units: int
    skipped: list[str] = field(default_factory=list)

    def yaml(self, namespace: str | None = None) -> str:
        """The policies (of ``namespace`` only, when given) as one YAML stream, each
        with a comment per rule saying what it allows and why."""
        docs = []
        for policy, comments in zip(self.generated.policies, self.generated.comments, strict=True):
            if namespace is not None and policy["metadata"]["namespace"] != namespace:
                continue
            head = "".join(f"# {c}\n" for c in comments)
            docs.append(head + yaml.dump(policy, Dumper=_DUMPER, sort_keys=False))
        return "---\n".join(docs)

    @property
    def namespaces(self) -> list[str]:
        return sorted({p["metadata"]["namespace"] for p in self.generated.policies})

    def summary(self) -> str:
        """One line on what was generated, and whether it was verified."""
        policies = count(len(self.generated.policies), "NetworkPolicy", thousands=True)
        head = (
            f"reach generate: {policies} in {count(len(self.namespaces), 'namespace')} "
            f"from {self.source}"
        )
        v = self.verification
        if v.ok:
            return (
                f"{head}; verified: they allow exactly the {count(v.compared, 'wanted connection')}"
            )
        return (
            f"{head}; NOT verified: {count(len(v.mismatches), 'pair')} differ from what was wanted"
        )

    def __str__(self) -> str:
        lines = [self.summary()]
        lines += [f"  {m}" for m in self.verification.mismatches]
        if self.skipped:
            lines.append(f"not written ({len(self.skipped)}: no NetworkPolicy can say it):")
            lines += [f"  {s}" for s in self.skipped]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "schema": "reach/generate/v1",
            "source": self.source,
            "policies": self.generated.policies,
            "verified": self.verification.ok,
            "wanted_connections": self.verification.compared,
            "mismatches": [
                {"src": m.src, "dst": m.dst, "wanted": str(m.wanted), "allowed": str(m.result)}
                for m in self.verification.mismatches
            ],
            "not_written": self.skipped,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
