"""The hook specifications keep the documentation and the tests honest (as
Datasette's ``test_docs.py`` and ``test_plugins.py`` do): a hook without a
docstring, without a section in ``docs/plugins.md`` or without a test fails
here."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import core.plugins
from core.plugins import hookspecs, manager, types

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins.md"
HOOKS = sorted(name for name, value in vars(hookspecs).items()
               if inspect.isfunction(value) and hasattr(value, "dealerqms_spec"))


def test_the_specification_module_has_the_hooks_of_the_interface():
    assert set(HOOKS) >= {
        "register_checklists", "register_metrics", "register_forms", "register_procedure_templates",
        "register_blueprints", "menu_links", "dashboard_panels", "pack_sections", "compute_metric",
        "form_submitted", "nonconformity_raised", "nonconformity_closed", "revision_effective", "audit_reported",
        "register_migrations", "populate_instance", "register_api_blueprints",
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring_with_arguments_return_value_and_example(hook):
    spec = getattr(hookspecs, hook)
    doc = inspect.getdoc(spec) or ""
    assert "Returns:" in doc, f"{hook}: say what it returns"
    assert "Example::" in doc, f"{hook}: give an example"
    for argument in inspect.signature(spec).parameters:
        assert re.search(rf"^\s+{argument}:", doc, re.M), f"{hook}: describe the argument {argument!r}"


def _guide_headings() -> dict[str, str]:
    """``### `name(args)` `` headings of the guide: name → argument list."""
    return {match.group(1): match.group(2)
            for match in re.finditer(r"^### `(\w+)\(([^)]*)\)`", GUIDE.read_text(encoding="utf-8"), re.M)}


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_in_the_guide_with_its_signature(hook):
    headings = _guide_headings()
    assert hook in headings, f"docs/plugins.md has no '### `{hook}(…)`' section"
    documented = [part.strip() for part in headings[hook].split(",") if part.strip()]
    assert documented == list(inspect.signature(getattr(hookspecs, hook)).parameters)


def test_the_guide_documents_no_hook_that_does_not_exist():
    assert set(_guide_headings()) <= set(HOOKS)


def _test_names() -> set[str]:
    names = set()
    for path in sorted(Path(__file__).parent.glob("test_plugins*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    return names


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    assert f"test_hook_{hook}" in _test_names(), f"write test_hook_{hook} in tests/test_plugins.py"


def test_every_event_hook_is_fired_through_the_event_helper():
    events = {hook for hook in HOOKS if "Event:" in (inspect.getdoc(getattr(hookspecs, hook)) or "")}
    assert events == manager.EVENTS


def test_the_guide_documents_every_value_type_and_field_type():
    guide = GUIDE.read_text(encoding="utf-8")
    for name in types.__all__:
        if isinstance(getattr(types, name), type):
            assert f"`{name}`" in guide, f"docs/plugins.md does not describe {name}"
    for field_type in types.FIELD_TYPES:
        assert f"`{field_type}`" in guide, f"docs/plugins.md does not list the field type {field_type}"


def test_plugins_import_everything_from_core_plugins():
    for name in ("hookimpl", "Checklist", "Question", "Metric", "Form", "Field", "ProcedureTemplate", "MenuLink",
                 "DashboardPanel", "PackSection", "DefinitionError"):
        assert name in core.plugins.__all__
        assert getattr(core.plugins, name) is not None


def test_the_example_plugin_uses_only_the_public_plugin_api():
    imported = set()
    for module in (ROOT / "tests/plugins/dealerqms-usedcars/dealerqms_usedcars").glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert {module for module in imported if module.startswith("core")} == {"core.plugins"}


def test_the_writing_plugins_guide_names_real_things():
    import importlib

    guide = (ROOT / "docs" / "writing-plugins.md").read_text(encoding="utf-8")
    assert "](plugins.md" in guide, "docs/writing-plugins.md must link to docs/plugins.md for the hook reference"
    code = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", guide, re.S) + re.findall(r"`([^`\n]+)`", guide))
    imported = []
    for match in re.finditer(r"from core\.plugins((?:\.\w+)?) import (\(([^)]*)\)|[^\n]+)", code):
        names = match.group(3) if match.group(3) is not None else match.group(2)
        module = "core.plugins" + match.group(1)
        imported += [(module, name.strip()) for name in names.split(",") if name.strip()]
    assert imported, "the guide shows no import from core.plugins"
    for module, name in imported:
        if module == "core.plugins":
            assert name in core.plugins.__all__, f"the guide imports {name!r}, which core.plugins does not export"
        else:
            assert hasattr(importlib.import_module(module), name), f"the guide imports {module}.{name}, which does not exist"
    for first, second in re.findall(r"\bcore\.plugins\.(\w+)(?:\.(\w+))?", code):
        if (ROOT / "core" / "plugins" / f"{first}.py").exists():
            if second:
                assert hasattr(importlib.import_module(f"core.plugins.{first}"), second), \
                    f"the guide names core.plugins.{first}.{second}, which does not exist"
        else:
            assert first in core.plugins.__all__, f"the guide names core.plugins.{first}, which is not exported"
