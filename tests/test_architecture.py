"""The shape of the code: how modules import each other, and how big they grow.

Read from the source with ``ast`` (nothing is imported), so a rule broken by
an import hidden inside a function is caught as well as a top-level one.
"""

from __future__ import annotations

import ast
from collections import deque
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "approvals", "interviews", "interview_platform", "webhooks")
SIZED_APPS = ("interviews", "approvals", "webhooks")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# Modules allowed to name a tasks module in an import: the tasks themselves and the job runner.
TASK_IMPORTERS = ("interview_platform.jobs",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def project_modules() -> dict[str, Path]:
    """Every project module by dotted name, migrations and the virtualenv left out."""
    modules = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or ".venv" in parts:
                continue
            modules[_module_name(path)] = path
    return modules


@cache
def _tree(name: str) -> ast.Module:
    path = project_modules()[name]
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_package(name: str) -> bool:
    return project_modules()[name].name == "__init__.py"


def _known(name: str) -> str | None:
    """The project module ``name`` refers to (itself, or the nearest enclosing module)."""
    modules = project_modules()
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _absolute_base(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = importer if _is_package(importer) else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _imported_names(importer: str, node: ast.AST) -> list[str]:
    """The dotted names an import statement loads (``from a import b`` may load module a.b)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = _absolute_base(importer, node)
        return [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in project_modules() else base
            for alias in node.names
        ]
    return []


@cache
def imports_of(importer: str) -> frozenset[str]:
    """Project modules ``importer`` imports, anywhere in its body, with the packages executed on the way."""
    found = set()
    for node in ast.walk(_tree(importer)):
        for name in _imported_names(importer, node):
            target = _known(name)
            while target:
                if target != importer:
                    found.add(target)
                target = _known(target.rpartition(".")[0]) if "." in target else None
    return frozenset(found)


def _app(module: str) -> str:
    return module.split(".", 1)[0]


def _is_test_module(module: str) -> bool:
    parts = module.split(".")
    return "tests" in parts or parts[-1].startswith("test_") or parts[-1] == "conftest"


def _strongly_connected(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the graph's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _path(graph: dict[str, frozenset[str]], start: str, goal: str, within: set[str]) -> list[str]:
    """The shortest import chain from ``start`` to ``goal`` inside ``within``."""
    came_from = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for child in sorted(graph[node] & within):
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    chain = [goal]
    while chain[-1] != start:
        chain.append(came_from[chain[-1]])
    return chain[::-1]


def _cross_app_cycle(graph: dict[str, frozenset[str]], component: list[str]) -> list[str]:
    """One import cycle in ``component`` that crosses from one app into another."""
    members = set(component)
    for source in component:
        for target in sorted(graph[source] & members):
            if _app(source) != _app(target):
                return [source, *_path(graph, target, source, members)]
    return component


def test_no_import_cycle_spans_two_apps():
    graph = {module: imports_of(module) for module in project_modules()}
    cycles = [
        " -> ".join(_cross_app_cycle(graph, component))
        for component in _strongly_connected(graph)
        if len({_app(module) for module in component}) > 1
    ]
    assert not cycles, "import cycles across apps:\n" + "\n".join(cycles)


def test_tasks_are_enqueued_by_name_not_imported():
    offenders = [
        f"{module} imports {target}"
        for module in project_modules()
        if module.rpartition(".")[2] != "tasks"
        and module not in TASK_IMPORTERS
        and not _is_test_module(module)
        for target in sorted(imports_of(module))
        if target.rpartition(".")[2] == "tasks"
    ]
    assert not offenders, "use interview_platform.jobs.enqueue('app.tasks.name'):\n" + "\n".join(offenders)


def _too_big(module: str) -> list[str]:
    path = project_modules()[module]
    problems = []
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if lines > MAX_MODULE_LINES:
        problems.append(f"{path.relative_to(ROOT)}: {lines} lines")
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}(): {length} lines")
    return problems


def test_modules_and_functions_stay_small():
    problems = [
        problem for module in project_modules() if _app(module) in SIZED_APPS for problem in _too_big(module)
    ]
    assert not problems, (
        f"over {MAX_MODULE_LINES} lines per module or {MAX_FUNCTION_LINES} per function:\n"
        + "\n".join(problems)
    )


def test_no_test_module_imports_another():
    """Shared test code lives in tests/plugin.py (fixtures) and the support modules beside it."""
    offenders = []
    for path in sorted(ROOT.glob("*/**/test_*.py")):
        if ".venv" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module or ''}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(part.startswith("test_") for name in names for part in name.split(".")):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, "test modules importing other test modules:\n" + "\n".join(offenders)
