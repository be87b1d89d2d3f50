"""The expectations file: the isolation promises a team makes, and how the checks apply.

```yaml
version: 1
expectations:
  - name: dev cannot reach prod
    expect: deny                      # deny | allow | only
    from: {namespace: dev}
    to: {namespace: prod}
  - name: only the frontend calls the backend on 8080
    expect: only
    from: {labels: {app: frontend}}
    to: {labels: {app: backend}}
    ports: [8080/TCP]
checks:
  skip: [cross-namespace-summary]
  severity: {internet-ingress: medium}
  ignore:
    - {check: pod-ingress-unisolated, namespace: kube-system, reason: managed by the platform}
```

Everything is validated up front; a problem reads ``file field.path: what is
wrong``. The full schema is in ``docs/audit.md``. The parsed file is made of
the classes in :mod:`~reach.audit.expect.expectations`; :mod:`~reach.audit.expect.parse`
reads it, with :mod:`~reach.audit.expect.selectors` for ``from`` and ``to`` and
:mod:`~reach.audit.expect.checks_config` for the ``checks`` section.
"""

from reach.audit.expect.expectations import (
    ChecksConfig,
    Endpoint,
    Expectation,
    Expectations,
    Ignore,
    Selector,
)
from reach.audit.expect.parse import ExpectationError, load_expectations, parse_expectations

__all__ = [
    "ChecksConfig",
    "Endpoint",
    "Expectation",
    "ExpectationError",
    "Expectations",
    "Ignore",
    "Selector",
    "load_expectations",
    "parse_expectations",
]
