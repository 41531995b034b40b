"""import-linter contract types of the project's own (``[tool.importlinter]`` in pyproject.toml).

``acyclic_modules``: no import cycle among the modules of a package, counting
every import statement — those inside functions too (grimp reads them all),
so that an import moved into a function cannot hide a cycle — and counting
the packages an import runs: ``import core.plugins.manager`` first runs
``core/plugins/__init__.py``, so a package that re-exports from the rest of the
core cannot sit on a path the rest of the core imports through.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _runs(importer: str, imported: str) -> set[str]:
    """What importing ``imported`` from ``importer`` executes: the module and each
    package above it that ``importer`` is not itself inside (those are already running)."""
    parts = imported.split(".")
    ancestors = {".".join(parts[:length]) for length in range(1, len(parts))}
    return {imported} | {package for package in ancestors if not (importer + ".").startswith(package + ".")}


def _cycles(graph: ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    edges = {
        module: sorted(
            {ran for imported in graph.find_modules_directly_imported_by(module) for ran in _runs(module, imported)}
            & modules - {module}
        )
        for module in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            for offset, target in enumerate(edges[node][position:], start=position):
                if target not in index:
                    work += [(node, offset + 1), (target, 0)]
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return groups


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    containers = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        cycles = []
        for container in self.containers:  # type: ignore[attr-defined]
            cycles += _cycles(graph, {container} | set(graph.find_descendants(container)))
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(f"These {len(cycle)} modules import each other in a cycle: {', '.join(cycle)}")
            output.new_line()
