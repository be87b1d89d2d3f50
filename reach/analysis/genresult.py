"""What ``reach generate`` answers: the policies as YAML (one stream, or one per
namespace), and the verification of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from reach.analysis.display import Qualified
from reach.analysis.generate import Generated
from reach.analysis.genverify import Verification
from reach.analysis.genyaml import Writer
from reach.words import count


@dataclass
class GenerateResult(Qualified):
    """The generated policies, what they were generated from, and their verification."""

    source: str  #: "today's connections" or the flows file
    generated: Generated
    verification: Verification
    units: int
    skipped: list[str] = field(default_factory=list)
    #: Generated beside the input's NetworkPolicies (``--keep-existing``).
    keep_existing: bool = False

    def yaml(self, namespace: str | None = None) -> str:
        """The policies (of ``namespace`` only, when given) as one YAML stream, each
        with a comment per rule saying what it allows and why."""
        docs, writer = [], Writer()
        for policy, comments in zip(self.generated.policies, self.generated.comments, strict=True):
            if namespace is not None and policy["metadata"]["namespace"] != namespace:
                continue
            head = "".join(f"# {c}\n" for c in comments)
            docs.append(head + writer.dump(policy))
        return "---\n".join(docs)

    @property
    def namespaces(self) -> list[str]:
        return sorted({p["metadata"]["namespace"] for p in self.generated.policies})

    def summary(self) -> str:
        """One line on what was generated, and whether it was verified."""
        kinds = {p["kind"] for p in self.generated.policies} or {"NetworkPolicy"}
        policies = count(len(self.generated.policies), min(kinds), thousands=True)
        head = (
            f"reach generate: {policies} in {count(len(self.namespaces), 'namespace')} "
            f"from {self.source}"
        )
        if self.keep_existing:
            head += " beside the existing ones"
        v = self.verification
        promises = ""
        if v.promises:
            held = sum(p.status == "passed" for p in v.promises)
            promises = f"; {held} of {count(len(v.promises), 'expectation')} hold"
        if v.ok:
            what = "with the existing ones they" if self.keep_existing else "they"
            wanted = count(v.compared, "wanted connection")
            return f"{head}; verified: {what} allow exactly the {wanted}{promises}"
        failed = []
        if v.mismatches:
            failed.append(f"{count(len(v.mismatches), 'pair')} differ from what was wanted")
        if v.failed_promises:
            failed.append(f"{count(len(v.failed_promises), 'expectation')} broken")
        return f"{head}; NOT verified: {', '.join(failed)}{promises}"

    def __str__(self) -> str:
        lines = [self.summary()]
        v = self.verification
        lines += [f"  {m}" for m in v.mismatches if not m.existing]
        kept = [m for m in v.mismatches if m.existing]
        if kept:
            lines.append(
                f"allowed by the existing policies and not wanted ({count(len(kept), 'pair')}; "
                "reach cannot remove it by adding NetworkPolicies):"
            )
            lines += [f"  {m}" for m in kept]
        if v.promises:
            lines.append("expectations, on the result:")
            lines += [f"  {p}" for p in v.promises]
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
            "keep_existing": self.keep_existing,
            "mismatches": [
                {
                    "src": m.src,
                    "dst": m.dst,
                    "wanted": str(m.wanted),
                    "allowed": str(m.result),
                    "by_existing": m.existing,
                }
                for m in self.verification.mismatches
            ],
            "expectations": [
                {"name": p.name, "expect": p.kind, "status": p.status, "message": p.message}
                for p in self.verification.promises
            ],
            "not_written": self.skipped,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
