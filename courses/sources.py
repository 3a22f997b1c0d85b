"""Reading course bundles: from folders of YAML files, or from one HTTP document.

On disk a course is a folder named after its slug with one `<locale>.yaml` per locale. Over
HTTP a bundle is one document: `{"slug": ..., "locales": {"zh-CN": {...}, "en": {...}}}`,
each locale document exactly what the file would hold.
"""

import json
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from courses.bundle import LOCALES
from courses.validation import CourseSource, Problem

MAX_FILE_BYTES = 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")


class _CourseLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases (content needs none, and aliases let a small
    document expand into a huge one), and without duplicate keys (the last would silently win,
    discarding an editor's change)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                continue  # the base class reports it
            if key in first_seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key} (first on line {first_seen[key]})",
                    key_node.start_mark,
                )
            first_seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


class Parsed(NamedTuple):
    """A document as read: its content, its problems, and the line each path starts on."""

    content: Any
    problems: list[Problem]
    lines: dict[str, int]


def parse_yaml(text: str | bytes, file: str) -> Parsed:
    try:
        return _load(text)
    except RecursionError:
        return Parsed(None, [Problem(file, "", "not valid YAML: nested too deeply")], {})
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"column {mark.column + 1}: " if mark else ""
        message = f"not valid YAML: {where}{getattr(exc, 'problem', None) or exc}"
        return Parsed(None, [Problem(file, "", message, mark.line + 1 if mark else None)], {})


def _load(text: str | bytes) -> Parsed:
    loader = _CourseLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Parsed(None, [], {})
        return Parsed(loader.construct_document(node), [], node_lines(node))
    finally:
        loader.dispose()


def node_lines(node: yaml.Node, path: str = "") -> dict[str, int]:
    """Path (as problems name it: `lessons[2].quiz`) -> the line its key or item starts on."""
    lines: dict[str, int] = {}
    children: list[tuple[str, yaml.Node, yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = str(key.value)
            children.append((f"{path}.{name}" if path else name, key, value))
    elif isinstance(node, yaml.SequenceNode):
        children = [(f"{path}[{i}]", item, item) for i, item in enumerate(node.value)]
    for child, start, value in children:
        lines[child] = start.start_mark.line + 1
        lines |= node_lines(value, child)
    return lines


def parse_json(text: str | bytes, file: str) -> Parsed:
    """JSON has no line numbers here: its problems name paths only."""
    try:
        return Parsed(json.loads(text), [], {})
    except (ValueError, UnicodeDecodeError) as exc:
        return Parsed(None, [Problem(file, "", f"not valid JSON: {exc}")], {})
    except RecursionError:
        return Parsed(None, [Problem(file, "", "not valid JSON: nested too deeply")], {})


@dataclass(frozen=True)
class Discovery:
    """What a path holds: its courses, and the course slugs they may name as prerequisites."""

    sources: list[CourseSource]
    known_courses: set[str]
    only_file: str | None = None  # a single file was asked for: report its problems only

    def relevant(self, problems: list[Problem]) -> list[Problem]:
        return [p for p in problems if self.only_file is None or p.file == self.only_file]


def discover(path: Path) -> Discovery:
    """A file, one course folder, or a folder of course folders."""
    if path.is_file():
        # The file is checked with its course's other files, so a translation is compared
        # with its original, but only the file's own problems are reported.
        folder = path.parent
        files = sorted({path, *_yaml_files(folder)})
        source = read_course_files(folder.name, str(folder), files)
        return Discovery([source], _sibling_courses(folder), only_file=str(path))
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is neither a file nor a folder")
    if _yaml_files(path):
        return Discovery([read_course_folder(path)], _sibling_courses(path))
    folders = sorted(child for child in path.iterdir() if child.is_dir() and _yaml_files(child))
    return Discovery([read_course_folder(folder) for folder in folders], set())


def read_course_folder(folder: Path) -> CourseSource:
    return read_course_files(folder.name, str(folder), _yaml_files(folder))


def read_course_files(slug: str, label: str, files: list[Path]) -> CourseSource:
    documents: dict[str, tuple[str, Any]] = {}
    lines: dict[str, dict[str, int]] = {}
    problems: list[Problem] = []
    for file in files:
        locale = file.name.rsplit(".", 1)[0]
        if locale not in LOCALES:
            problems.append(
                Problem(str(file), "", f"the file name must be a locale: {', '.join(LOCALES)}")
            )
            continue
        if file.stat().st_size > MAX_FILE_BYTES:
            problems.append(Problem(str(file), "", "the file is larger than 1 MiB"))
            continue
        parsed = parse_yaml(file.read_bytes(), str(file))
        problems += parsed.problems
        if not parsed.problems:
            documents[locale] = (str(file), parsed.content)
            lines[str(file)] = parsed.lines
    return CourseSource(slug, label, documents, problems, lines)


def bundle_source(
    document: Any, label: str = "bundle", lines: dict[str, int] | None = None
) -> CourseSource:
    """The course in an HTTP bundle; shape problems are reported, not raised. `lines` (from
    YAML) locate problems in the bundle and in each locale document."""
    if not isinstance(document, dict):
        return CourseSource("", label, {}, [Problem(label, "", "must be an object")])
    problems = [
        Problem(label, key, "unknown field") for key in document if key not in _BUNDLE_FIELDS
    ]
    slug = document.get("slug")
    if not isinstance(slug, str) or not slug:
        problems.append(Problem(label, "slug", "the course slug is required"))
        slug = ""
    if document.get("format", 1) != 1:
        problems.append(Problem(label, "format", "must be 1"))
    locales = document.get("locales")
    if not isinstance(locales, dict) or not locales:
        problems.append(Problem(label, "locales", "must map each locale to its document"))
        locales = {}
    documents: dict[str, tuple[str, Any]] = {}
    for locale, content in locales.items():
        if locale not in LOCALES:
            problems.append(Problem(label, f"locales.{locale}", f"unknown locale {locale}"))
        else:
            documents[locale] = (f"locales.{locale}", content)
    located = {label: lines or {}} | {
        file: _lines_under(lines or {}, file) for file, _ in documents.values()
    }
    return CourseSource(slug, label, documents, problems, located)


def _lines_under(lines: dict[str, int], prefix: str) -> dict[str, int]:
    """The lines of the document at `prefix`, its paths relative to it."""
    inner = {
        path[len(prefix) + 1 :]: line
        for path, line in lines.items()
        if path.startswith(prefix + ".")
    }
    return inner | ({"": lines[prefix]} if prefix in lines else {})


_BUNDLE_FIELDS = frozenset({"format", "slug", "locales"})


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in YAML_SUFFIXES)


def _sibling_courses(folder: Path) -> set[str]:
    parent = folder.parent
    return {child.name for child in parent.iterdir() if child.is_dir() and _yaml_files(child)}
