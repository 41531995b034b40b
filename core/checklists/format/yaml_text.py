"""Checklist files in YAML: read with ``safe_load`` only (line numbers from the composed nodes), and written back."""

from __future__ import annotations

import yaml
from flask_babel import gettext

from core.checklists.format.fields import (
    LANGUAGES,
    MAX_CELL_LENGTH,
    MAX_QUESTIONS,
    MAX_SECTIONS,
    Cell,
    Problem,
    Record,
    Where,
)

# --- YAML ----------------------------------------------------------------------------------


def read_yaml(data: bytes) -> tuple[dict | None, list[Problem]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem(None, None, None, gettext("The file is not UTF-8 text."))]
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            # An alias repeats a part by reference: a few nested ones make a file that expands
            # into billions of values ("billion laughs"). A checklist never needs one.
            if isinstance(event, yaml.AliasEvent):
                return None, [
                    Problem(
                        None,
                        event.start_mark.line + 1,
                        None,
                        gettext("Anchors and aliases (& and *) are not allowed: write each value out."),
                    )
                ]
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        # safe_load only: a tag such as !!python/object is refused, never constructed.
        loaded = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        if isinstance(error, yaml.constructor.ConstructorError):
            message = gettext("A tag (such as !!python/object) is not allowed: write plain values only.")
        else:
            message = gettext("The file is not valid YAML: %(reason)s.", reason=error.problem or error)
        return None, [Problem(None, line, None, message)]
    except yaml.YAMLError as error:
        return None, [Problem(None, None, None, gettext("The file is not valid YAML: %(reason)s.", reason=error))]
    lines: dict[tuple, int] = {}
    twice: list[tuple[tuple, int]] = []
    if node is not None:
        _node_lines(node, (), lines, twice)
    reader = _YamlReader(lines)
    for path, line in twice:
        where = reader.where(path)
        reader.problems.append(
            Problem(None, line, where.column, gettext("The field %(field)s is given twice.", field=path[-1]))
        )
    return reader.records(loaded)


def _node_lines(node, path: tuple, lines: dict, twice: list) -> None:
    """The line of each path (a mapping's entry: the line of its key), and the paths of keys
    given twice in one mapping (safe_load would silently keep the last)."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                _node_lines(value, (*path, key.value), lines, twice)
                lines[(*path, key.value)] = key.start_mark.line + 1
                if key.value in seen:
                    twice.append(((*path, key.value), key.start_mark.line + 1))
                seen.add(key.value)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _node_lines(item, (*path, index), lines, twice)


class _YamlReader:
    def __init__(self, lines: dict):
        self.lines = lines
        self.problems: list[Problem] = []

    def where(self, path: tuple) -> Where:
        line = None
        for length in range(len(path), -1, -1):
            line = self.lines.get(path[:length])
            if line is not None:
                break
        shown = ""
        for part in path:
            # Items are counted from 1, as people count them.
            shown += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if shown else str(part))
        return Where(None, line, shown or None)

    def records(self, loaded) -> tuple[dict | None, list[Problem]]:
        if not isinstance(loaded, dict):
            self.problems.append(
                Where(None, 1, None).problem(
                    gettext("The file must hold one checklist: a mapping of key, title, scale, sections and questions.")
                )
            )
            return None, self.problems
        top = ("key", "title", "description", "departments", "scale", "pass_threshold", "grade_points")
        records: dict = {
            "checklist": self.record(loaded, (), top, ("title", "description")),
            "sections": [],
            "questions": [],
            "questions_where": self.where(("questions",)),
        }
        for name, fields, texts in (
            ("sections", ("key", "title", "weight"), ("title",)),
            (
                "questions",
                ("key", "section", "text", "guidance", "reference", "weight", "must_pass"),
                ("text", "guidance"),
            ),
        ):
            items = loaded.get(name)
            if items is None:
                continue
            if not isinstance(items, list):
                self.problems.append(self.where((name,)).problem(gettext("%(name)s must be a list.", name=name)))
                continue
            limit = MAX_QUESTIONS if name == "questions" else MAX_SECTIONS
            if len(items) > limit:
                self.problems.append(
                    self.where((name,)).problem(gettext("More than %(limit)s rows: split the checklist.", limit=limit))
                )
                return None, self.problems
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    self.problems.append(
                        self.where((name, index)).problem(
                            gettext("Each item must be a mapping of %(fields)s.", fields=", ".join(fields))
                        )
                    )
                    continue
                records[name].append(self.record(item, (name, index), fields, texts))
        return records, self.problems

    def record(self, mapping: dict, path: tuple, fields: tuple, texts: tuple) -> Record:
        allowed = {*fields, "sections", "questions"} if not path else set(fields)
        for name in mapping:
            if name not in allowed:
                self.problems.append(
                    self.where((*path, name)).problem(
                        gettext("Unknown field %(field)s: use %(fields)s.", field=name, fields=", ".join(fields))
                    )
                )
        record: Record = {}
        for name in fields:
            value = mapping.get(name)
            if name in texts:
                record.update(self.texts(value, (*path, name)))
            else:
                record[name] = self.cell(value, (*path, name))
        return record

    def texts(self, value, path: tuple) -> Record:
        name = path[-1]
        cells = {f"{name}_{language}": Cell(None, self.where((*path, language))) for language in LANGUAGES}
        if value is None:
            return cells
        if not isinstance(value, dict):
            self.problems.append(
                self.where(path).problem(
                    gettext("Give the text in each language: %(example)s.", example="{en: …, zh_CN: …}")
                )
            )
            return {field: Cell(None, cell.where, refused=True) for field, cell in cells.items()}
        for language, text in value.items():
            if language not in LANGUAGES:
                self.problems.append(
                    self.where((*path, language)).problem(
                        gettext(
                            "Unknown language %(language)s: use %(languages)s.",
                            language=language,
                            languages=", ".join(LANGUAGES),
                        )
                    )
                )
            else:
                cells[f"{name}_{language}"] = self.cell(text, (*path, language))
        return cells

    def cell(self, value, path: tuple) -> Cell:
        where = self.where(path)
        if isinstance(value, str) and len(value) > MAX_CELL_LENGTH:
            self.problems.append(where.problem(gettext("Longer than %(limit)s characters.", limit=MAX_CELL_LENGTH)))
            return Cell(None, where, refused=True)
        return Cell(value, where)


# --- Writing -------------------------------------------------------------------------------

YAML_HEADER = """\
# A dealerqms checklist library (docs/checklists.md describes every field).
# Texts are given in each language: {en: ..., zh_CN: ...}. Import it with
# `dealerqms checklists import FILE` or on the web; a changed file makes a new version.
"""


def plain(number: float) -> int | float:
    # Weights of 20 read better than 20.0; parse makes them floats again.
    return int(number) if float(number).is_integer() else number


def _friendly(content: dict) -> dict:
    """The content as a person would write it: defaults (empty guidance, no section) left out."""
    out = {
        "key": content["key"],
        "title": dict(content["title"]),
    }
    if any(content["description"].values()):
        out["description"] = dict(content["description"])
    out["departments"] = list(content["departments"])
    out["scale"] = content["scale"]
    if content["pass_threshold"] is not None:
        out["pass_threshold"] = plain(content["pass_threshold"])
    if content["grade_points"]:
        out["grade_points"] = {grade: plain(points) for grade, points in content["grade_points"].items()}
    if content["sections"]:
        out["sections"] = [
            {"key": s["key"], "title": dict(s["title"]), "weight": plain(s["weight"])} for s in content["sections"]
        ]
    questions = []
    for q in content["questions"]:
        item = {"key": q["key"]}
        if q["section"]:
            item["section"] = q["section"]
        item["text"] = dict(q["text"])
        if any(q["guidance"].values()):
            item["guidance"] = dict(q["guidance"])
        if q["reference"]:
            item["reference"] = q["reference"]
        item["weight"] = plain(q["weight"])
        item["must_pass"] = q["must_pass"]
        questions.append(item)
    out["questions"] = questions
    return out


def to_yaml(content: dict) -> str:
    """The content as a YAML file that :func:`parse` reads back to the same content."""
    body = yaml.safe_dump(_friendly(content), allow_unicode=True, sort_keys=False, width=100)
    return YAML_HEADER + body


# What each column means, shown as a note on its header and in the Checklist sheet's notes.
