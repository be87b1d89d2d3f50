"""Where a command's cluster comes from: the input options, and loading with clean errors."""

from __future__ import annotations

import functools
import inspect
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.models import ArgumentInfo

from reach import api
from reach.cli.common import fail, say
from reach.errors import Diagnostic, Diagnostics, InvalidInput, ReachError
from reach.gcpause import without_gc
from reach.input.files import FileSource
from reach.input.layout import SUFFIXES
from reach.input.loader import build_cluster
from reach.input.options import LiveOptions
from reach.input.render import Chart, Rendered
from reach.words import count

#: The input options every analysis command takes: (name, annotation, default).
INPUT_OPTIONS: list[tuple[str, Any, Any]] = [
    (
        "file",
        Annotated[
            list[str],
            typer.Option(
                "--file",
                "-f",
                help="Manifest file, directory (read recursively: .yaml, .yml, .json) or "
                "glob ('manifests/*.yaml', quoted); '-' reads stdin. Repeatable, or "
                "comma-separated: -f a.yaml,b.yaml.",
            ),
        ],
        [],
    ),
    (
        "kustomize",
        Annotated[
            list[str],
            typer.Option(
                "--kustomize",
                "-k",
                metavar="DIR",
                help="Render this kustomization with 'kubectl kustomize' and read the result "
                "(needs pip install 'reach[render]'). Repeatable. Example: -k overlays/prod.",
            ),
        ],
        [],
    ),
    (
        "helm",
        Annotated[
            str | None,
            typer.Option(
                "--helm",
                metavar="CHART",
                help="Render this local chart directory with 'helm template' and read the "
                "result (needs pip install 'reach[render]'). Example: --helm charts/shop "
                "--values prod.yaml --set api.port=9443 --release shop.",
            ),
        ],
        None,
    ),
    (
        "values",
        Annotated[
            list[str],
            typer.Option("--values", metavar="FILE", help="With --helm: values file. Repeatable."),
        ],
        [],
    ),
    (
        "set_values",
        Annotated[
            list[str],
            typer.Option("--set", metavar="KEY=VALUE", help="With --helm: a value. Repeatable."),
        ],
        [],
    ),
    (
        "release",
        Annotated[
            str,
            typer.Option("--release", metavar="NAME", help="With --helm: the release name."),
        ],
        "release-name",
    ),
    (
        "default_namespace",
        Annotated[
            str | None,
            typer.Option(
                "--default-namespace",
                metavar="NS",
                help="Namespace of the objects that name none, as 'kubectl apply -n NS' "
                "gives it (default: default). Not -n: on queries, -n is the namespace of "
                "bare names in node references.",
            ),
        ],
        None,
    ),
    (
        "strict",
        Annotated[
            bool,
            typer.Option(
                "--strict",
                help="Exit 2 if the answer would be partial: any input diagnostic about "
                "something read but not evaluated (docs/diagnostics.md).",
            ),
        ],
        False,
    ),
    (
        "context",
        Annotated[
            str | None,
            typer.Option(
                "--context",
                help="Read the live cluster of this kubeconfig context instead of files.",
            ),
        ],
        None,
    ),
    (
        "kubeconfig",
        Annotated[
            str | None,
            typer.Option(
                "--kubeconfig",
                help="Kubeconfig file for a live read (default: $KUBECONFIG, ~/.kube/config).",
            ),
        ],
        None,
    ),
    (
        "in_cluster",
        Annotated[
            bool,
            typer.Option("--in-cluster", help="Read the live cluster from inside a pod."),
        ],
        False,
    ),
    (
        "request_timeout",
        Annotated[
            float,
            typer.Option("--request-timeout", help="Seconds to wait for each live request."),
        ],
        30.0,
    ),
    (
        "skip_invalid",
        Annotated[
            bool,
            typer.Option(
                "--skip-invalid", help="Analyze the valid objects and warn about the invalid ones."
            ),
        ],
        False,
    ),
]


@dataclass
class Input:
    """Where the cluster comes from, as the user gave it."""

    file: list[str]
    context: str | None = None
    kubeconfig: str | None = None
    in_cluster: bool = False
    request_timeout: float = 30.0
    skip_invalid: bool = False
    kustomize: list[str] = field(default_factory=list)
    helm: str | None = None
    values: list[str] = field(default_factory=list)
    set_values: list[str] = field(default_factory=list)
    release: str = "release-name"
    default_namespace: str | None = None
    strict: bool = False

    @property
    def live(self) -> bool:
        return bool(self.context or self.kubeconfig or self.in_cluster)

    @property
    def paths(self) -> list[str]:
        """The ``-f`` values, comma-separated lists split (a path that exists is kept whole)."""
        out: list[str] = []
        for f in self.file:
            parts = [f] if "," not in f or Path(f).exists() else f.split(",")
            out.extend(p for p in parts if p)
        return out

    def live_options(self) -> LiveOptions:
        return LiveOptions(
            context=self.context,
            kubeconfig=self.kubeconfig,
            in_cluster=self.in_cluster,
            request_timeout=self.request_timeout,
        )

    @property
    def title(self) -> str:
        """How titles name the input: the files given (in name order, as a set), or the
        live cluster's context."""
        named = [*self.paths, *self.kustomize, *([self.helm] if self.helm else [])]
        if named:
            return ", ".join(sorted(dict.fromkeys(named)))
        if self.context:
            return f"context {self.context}"
        return "live cluster"

    def _check(self) -> None:
        files = self.file or self.kustomize or self.helm
        if self.live and files:
            fail(
                "give either -f files or a live cluster (--context/--kubeconfig/--in-cluster), "
                "not both (-k and --helm count as files)"
            )
        if not files and not self.live:
            fail(
                "no input: give manifests with -f FILE|DIR|-, -k DIR or --helm CHART, or a "
                "live cluster with --context/--kubeconfig/--in-cluster (see 'reach list --help')"
            )
        if not self.helm and (self.values or self.set_values or self.release != "release-name"):
            fail("--values, --set and --release go with --helm CHART")
        if self.live and self.default_namespace:
            fail("--default-namespace applies to manifests, not to a live cluster")

    def load(self) -> api.Reach:
        """Load and compile, reporting every input problem and exiting 2 on any."""
        self._check()
        try:
            r = self._load()
        except InvalidInput as e:
            for p in e.problems:
                say(f"reach: error: {p}")
            n = len(e.problems)
            say(
                f"reach: {n} problem{'s' if n != 1 else ''} in the input; fix them, or pass "
                "--skip-invalid to analyze the rest"
            )
            raise typer.Exit(2) from None
        except ReachError as e:
            fail(str(e))
        report_diagnostics(r.diagnostics, strict=self.strict)
        return r

    def _load(self) -> api.Reach:
        if self.live:
            return api.load_live(self.live_options(), skip_invalid=self.skip_invalid)
        if not self.kustomize and not self.helm:
            return api.load(
                self.paths,
                skip_invalid=self.skip_invalid,
                progress=None,
                default_namespace=self.default_namespace,
            )
        return without_gc(self._rendered)()

    def _rendered(self) -> api.Reach:
        """Files and what the renderers make of the kustomizations and chart, read in turn."""
        ns = self.default_namespace
        charts: tuple[Chart, ...] = ()
        if self.helm:
            chart = Chart(self.helm, tuple(self.values), tuple(self.set_values), self.release, ns)
            charts = (chart,)
        diag = Diagnostics()
        raws = itertools.chain(
            FileSource(tuple(self.paths), None, ns).objects(diag),
            Rendered(tuple(self.kustomize), charts, ns).objects(diag),
        )
        cluster = build_cluster(raws, diag, self.skip_invalid)
        cluster.sources = [self.title]
        return api.Reach(cluster)


def report_diagnostics(
    diagnostics: Sequence[Diagnostic], *, strict: bool, prefix: str = ""
) -> None:
    """Warnings on stderr; with ``strict``, the partial ones as errors, then exit 2."""
    partial = [d for d in diagnostics if d.partial] if strict else []
    for d in diagnostics:
        if d.severity == "warning" and d not in partial:
            say(f"reach: warning: {prefix}{d}")
    if partial:
        for d in partial:
            say(f"reach: error: {prefix}{d}")
        say(
            f"reach: --strict: the answer would be partial ({count(len(partial), 'diagnostic')}"
            " above)"
        )
        raise typer.Exit(2)


#: Placeholder default of a command's ``source``; :func:`with_input` always passes the real one.
NO_SOURCE = Input(file=[])


def _has_arguments(sig: inspect.Signature) -> bool:
    """Whether a command takes positional arguments of its own."""
    return any(
        isinstance(meta, ArgumentInfo)
        for p in sig.parameters.values()
        for meta in getattr(p.annotation, "__metadata__", ())
    )


#: More manifest paths after the options: what a shell makes of ``-f dir/*.yaml``.
PATHS_ARGUMENT = inspect.Parameter(
    "paths",
    inspect.Parameter.KEYWORD_ONLY,
    default=[],
    annotation=Annotated[
        list[str],
        typer.Argument(
            metavar="[PATHS]...",
            help="More manifest files or directories, read as with -f (so that an unquoted "
            "-f dir/*.yaml, which the shell expands, works).",
            show_default=False,
        ),
    ],
)


def _manifest_words(words: list[Any]) -> list[str]:
    """The words that name existing manifest files: a glob the shell expanded after -f."""
    return [
        w
        for w in words
        if isinstance(w, str) and w.lower().endswith(SUFFIXES) and Path(w).is_file()
    ]


def with_input(fn: Callable[..., None]) -> Callable[..., None]:
    """Give a command the input options; it receives them as ``source: Input``.

    The options are declared once here instead of in every command's signature. A
    command without positional arguments also takes manifest paths as arguments; one
    with arguments refuses manifest file names among them, saying to quote the glob.
    """
    sig = inspect.signature(fn, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name != "source"]
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
        for name, ann, default in INPUT_OPTIONS
    ]
    names = [name for name, _, _ in INPUT_OPTIONS]
    takes_arguments = _has_arguments(sig)

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> None:
        source = Input(**{k: kwargs.pop(k) for k in names})
        if takes_arguments:
            stray = _manifest_words(list(kwargs.values()))
            if stray:
                fail(
                    f"{stray[0]} is a manifest file, not a node: quote a glob given to -f "
                    "(-f 'dir/*.yaml') or repeat -f for each file"
                )
        else:
            source.file = [*source.file, *kwargs.pop("paths", [])]
        fn(source=source, **kwargs)

    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]
    params += [*([] if takes_arguments else [PATHS_ARGUMENT]), *extra]
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    return wrapper
