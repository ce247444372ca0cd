"""The package's import contracts, read from the source with ``ast`` (nothing is imported).

Layers, left to right: core < inputs < {impact, focus} < reporting < pipeline < cli.

(a) A module imports only from its own layer or a layer to its left; impact and focus never
    import each other.
(b) No module takes a private name (leading underscore) from a module of another layer, by
    ``from m import _x`` or by ``m._x``. Within one layer package it is allowed (a package's
    ``__init__`` re-exporting its own modules' names, for one).
(c) No import cycle among the package's modules.
(d) ``ipm --help`` and the subcommands' ``--help`` import no heavy library, so start-up is fast.

Every import counts, including those inside functions (lazy imports); only imports under
``if TYPE_CHECKING:`` are left out of (c), as they never run. The report notebooks are package
data of the reporting layer and are held to (a) and (b) too. A failure names the file, line,
importing module and rule; docs/architecture.md describes the layers.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = "ipm_analysis"
REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / PACKAGE
NOTEBOOKS = SOURCE / "reporting" / "notebooks"

ORDER = "core < inputs < {impact, focus} < reporting < pipeline < cli"
RANK = {"core": 0, "inputs": 1, "impact": 2, "focus": 2, "reporting": 3, "pipeline": 4, "cli": 5}
# Modules outside the layer packages, and the layer each belongs to.
PLACED = {
    # The package itself is the analysts' front door: it imports (lazily, on first use, from
    # its ``_EXPORTS``) from any layer, like cli; a name it re-exports counts as imported from
    # the module that defines it, and what it defines itself (``__version__``) is core.
    PACKAGE: "cli",
    f"{PACKAGE}.data": "core",  # package data (reference CSVs), no code
}
# Not to be imported by `ipm --help` (checked top-level names of sys.modules).
HEAVY = (
    "pandas",
    "numpy",
    "matplotlib",
    "papermill",
    "nbconvert",
    "nbformat",
    "jupyter_client",
    "distributed",
    "playwright",
)


@dataclass(frozen=True)
class Import:
    """One imported module (and the name taken from it) at one line of one source."""

    source: str  # the importing module (a notebook: its path)
    file: str  # the file, relative to the repo
    line: int
    target: str  # the ipm_analysis module imported, or the one a name is taken from
    name: str | None  # the name taken from ``target`` when it is not itself a module
    lazy: bool  # inside a function
    type_only: bool  # under ``if TYPE_CHECKING:``
    attribute: bool = False  # ``module._x`` rather than an import statement
    reexport: bool = False  # one of the package's own ``_EXPORTS`` (not an edge of its own)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def what(self) -> str:
        return f"{self.target}.{self.name}" if self.name else self.target

    @property
    def how(self) -> str:
        return " (a lazy import, inside a function)" if self.lazy else ""


@cache
def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__.py``)."""
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def layer_of(module: str) -> str | None:
    if module in PLACED:
        return PLACED[module]
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def relative_to_repo(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


class _Imports(ast.NodeVisitor):
    """Import statements with whether each is lazy (in a function) or only for type checkers."""

    def __init__(self) -> None:
        self.found: list[tuple[ast.Import | ast.ImportFrom, bool, bool]] = []
        self.functions = 0
        self.type_checking = 0

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions += 1
        self.generic_visit(node)
        self.functions -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            self.visit(test)
            self.type_checking += 1
            for statement in node.body:
                self.visit(statement)
            self.type_checking -= 1
            for statement in node.orelse:
                self.visit(statement)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.found.append((node, self.functions > 0, self.type_checking > 0))

    visit_ImportFrom = visit_Import

    def visit_Call(self, node: ast.Call) -> None:
        """``importlib.import_module("ipm_analysis.x")`` with the name written out."""
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else ""
        name = function.id if isinstance(function, ast.Name) else name
        if name == "import_module" and node.args and isinstance(node.args[0], ast.Constant):
            self.found.append((node, self.functions > 0, self.type_checking > 0))
        self.generic_visit(node)


def absolute(source: str, node: ast.ImportFrom) -> str:
    """The module a ``from`` import names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = source.split(".")
    if modules().get(source, Path()).name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def in_package(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def imports_of(source: str, file: str, tree: ast.AST) -> list[Import]:
    """The package modules (and names) ``tree`` imports, and the private attributes it reads
    from imported package modules (``manifest._x``)."""
    collector = _Imports()
    collector.visit(tree)
    found: list[Import] = []
    bound: dict[str, str] = {}  # local name -> the package module it is bound to
    for node, lazy, type_only in collector.found:
        taken: list[tuple[str, str | None]] = []  # (module, name taken from it)
        if isinstance(node, ast.Call):
            module = node.args[0].value
            if isinstance(module, str) and in_package(module):
                taken.append((module, None))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if in_package(alias.name):
                    taken.append((alias.name, None))
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:
                        bound[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif in_package(module := absolute(source, node)):
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                if module == PACKAGE and alias.name in facade_exports():
                    taken.append((facade_exports()[alias.name][0], alias.name))
                elif submodule in modules():
                    taken.append((submodule, None))
                    bound[alias.asname or alias.name] = submodule
                else:
                    taken.append((module, None if alias.name == "*" else alias.name))
        for target, name in taken:
            found.append(Import(source, file, node.lineno, target, name, lazy, type_only))
    if source == PACKAGE:
        for name, (module, line) in facade_exports().items():
            found.append(Import(source, file, line, module, name, True, False, reexport=True))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            module = dotted_module(node.value, bound)
            if module:
                found.append(
                    Import(source, file, node.lineno, module, node.attr, False, False, True)
                )
    return found


def dotted_module(node: ast.expr, bound: dict[str, str]) -> str | None:
    """The package module an expression such as ``manifest`` or ``ipm_analysis.x.y`` names."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in bound:
        return None
    module = ".".join([bound[node.id], *reversed(parts)])
    return module if module in modules() else None


@cache
def facade_exports() -> dict[str, tuple[str, int]]:
    """The package's ``_EXPORTS``: name -> (the module defining it, line), imported on first
    use by the package's ``__getattr__``."""
    for node in tree_of(PACKAGE).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", 0)
        if isinstance(target, ast.Name) and target.id == "_EXPORTS":
            value = node.value
            assert isinstance(value, ast.Dict), f"{PACKAGE}._EXPORTS: write it as a dict literal"
            return {
                key.value: (module.value, key.lineno)
                for key, module in zip(value.keys, value.values, strict=True)
                if isinstance(key, ast.Constant) and isinstance(module, ast.Constant)
            }
    return {}


@cache
def tree_of(module: str) -> ast.Module:
    path = modules()[module]
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@cache
def all_imports() -> tuple[Import, ...]:
    """The imports of every module of the package and of every report notebook."""
    found: list[Import] = []
    for module, path in modules().items():
        found += imports_of(module, relative_to_repo(path), tree_of(module))
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells, start=1):
            if cell["cell_type"] != "code":
                continue
            code = "".join(cell["source"])
            # IPython magics and shell lines are not Python; blank them, keeping line numbers.
            code = "\n".join(
                "" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()
            )
            source = relative_to_repo(notebook)
            file = f"{source}[cell {number}]"
            found += imports_of(source, file, ast.parse(code, filename=file))
    return tuple(found)


def layer_of_source(item: Import) -> str | None:
    return "reporting" if item.source.endswith(".ipynb") else layer_of(item.source)


def layer_of_target(item: Import) -> str | None:
    # From the package itself: what it defines (``__version__``); its re-exports are resolved.
    return "core" if item.target == PACKAGE else layer_of(item.target)


def fail(rule: str, problems: Iterable[str]) -> None:
    problems = list(problems)
    if problems:
        message = f"{len(problems)} problem(s) with {rule}:\n" + "\n".join(problems)
        pytest.fail(message, pytrace=False)


def test_every_module_belongs_to_a_layer():
    fail(
        f"the layers ({ORDER}): every module lives in a layer package or is placed in "
        "PLACED in tests/test_layers.py",
        (
            f"{relative_to_repo(path)}: module {module} belongs to no layer"
            for module, path in modules().items()
            if layer_of(module) is None
        ),
    )


def test_imports_point_left_along_the_layers():
    statements: dict[tuple, list[Import]] = {}  # one line per import statement
    for item in all_imports():
        mine, theirs = layer_of_source(item), layer_of_target(item)
        if item.attribute or mine is None or theirs is None or mine == theirs:
            continue
        if RANK[theirs] == RANK[mine]:
            rule = "impact and focus never import each other"
        elif RANK[theirs] > RANK[mine]:
            rule = f"a module imports only from its own layer or a layer to its left ({ORDER})"
        else:
            continue
        key = (item.where, item.source, mine, item.target, theirs, item.how, rule)
        statements.setdefault(key, []).append(item)
    fail(
        "rule (a), the layers",
        (
            f"{where}: {source} ({mine}) imports {names(items)} ({theirs}){how}: {rule}"
            for (where, source, mine, target, theirs, how, rule), items in statements.items()
        ),
    )


def names(items: list[Import]) -> str:
    """What one import statement takes from one module: ``a, b from m`` or ``m``."""
    taken = [item.name for item in items if item.name]
    return f"{', '.join(taken)} from {items[0].target}" if taken else items[0].target


def test_no_private_names_across_layer_packages():
    problems = []
    for item in all_imports():
        private = [part for part in item.target.split(".") if is_private(part)]
        if item.name and is_private(item.name):
            private.append(item.name)
        mine, theirs = layer_of_source(item), layer_of_target(item)
        if not private or mine == theirs:
            continue
        how = "reads" if item.attribute else "imports"
        problems.append(
            f"{item.where}: {item.source} ({mine}) {how} the private name "
            f"{', '.join(private)} of {item.target} ({theirs}): no private imports across "
            "layers; make it public (no underscore) or move it into the layer that uses it"
        )
    fail("rule (b), no private imports across layers", problems)


def test_imports_name_modules_and_names_that_exist():
    """A lazy import of a moved module or function fails only when it runs; catch it here."""
    problems = []
    for item in all_imports():
        if item.target not in modules():
            problems.append(f"{item.where}: {item.source} imports {item.target}: no such module")
        elif item.name and not item.attribute and not defines(item.target, item.name):
            problems.append(
                f"{item.where}: {item.source} imports {item.name} from {item.target}, "
                "which defines no such name"
            )
    fail("the package's imports (a module or name that is not there)", problems)


def defines(module: str, name: str) -> bool:
    names = defined_names(module)
    return names is None or name in names


@cache
def defined_names(module: str) -> set[str] | None:
    """The names a module binds at its top level (also inside top-level if/try/with); None
    when it cannot tell (a star import, a module ``__getattr__``)."""
    names: set[str] = set()
    body = list(tree_of(module).body)
    while body:
        node = body.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                body += getattr(node, field, [])
        elif isinstance(node, ast.ExceptHandler):
            body += node.body
    return None if "__getattr__" in names else names


def import_graph() -> dict[str, dict[str, Import]]:
    """Module -> the modules it imports (each with its first import). Left out: type-only
    imports, and the package's re-exports (an import of one counts from the importer)."""
    graph: dict[str, dict[str, Import]] = {module: {} for module in modules()}
    for item in all_imports():
        skip = item.type_only or item.attribute or item.reexport
        if item.source in graph and item.target in graph and not skip:
            graph[item.source].setdefault(item.target, item)
    return graph


def strongly_connected(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == module:
                    break
            components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return components


def shortest_cycle(start: str, graph: dict[str, dict[str, Import]], within: set[str]):
    """The imports of a shortest cycle from ``start`` back to itself, inside ``within``."""
    parent: dict[str, Import] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for other, item in sorted(graph[module].items()):
            if other == start:
                path = [item]
                while path[0].source != start:
                    path.insert(0, parent[path[0].source])
                return path
            if other in within and other not in parent:
                parent[other] = item
                queue.append(other)
    raise AssertionError(f"no cycle through {start}")


def test_no_import_cycles():
    graph = import_graph()
    problems = []
    for component in strongly_connected(graph):
        start = component[0]
        if len(component) == 1 and start not in graph[start]:
            continue
        path = shortest_cycle(start, graph, set(component))
        lines = [" -> ".join([item.source for item in path] + [start])]
        lines += [
            f"    {item.where}: {item.source} imports {names([item])}{item.how}" for item in path
        ]
        if len(component) > len(path):
            lines.append(f"    (these {len(component)} import each other: {', '.join(component)})")
        problems.append("\n".join(lines))
    fail("rule (c), no import cycles (lazy imports included)", problems)


PROBE = """
import json, sys
sys.argv = ["ipm", *json.loads(sys.argv[1])]
from ipm_analysis.cli import main
try:
    code = main()
except SystemExit as stop:
    code = stop.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize(
    "args",
    [["--help"], ["validate", "--help"], ["report", "--help"], ["batch", "--help"]],
    ids=" ".join,
)
def test_help_imports_no_heavy_library(args):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["code"] in (0, None), done.stdout
    heavy = sorted({name.split(".")[0] for name in probe["modules"]} & set(HEAVY))
    if heavy:
        ours = [name for name in probe["modules"] if in_package(name)]
        fail(
            "rule (d), fast start-up",
            [
                f"`ipm {' '.join(args)}` imported {', '.join(heavy)}; the package modules it "
                f"loaded were {', '.join(ours)}: import heavy libraries inside the function "
                "that needs them, not at the top of a module the cli imports"
            ],
        )
