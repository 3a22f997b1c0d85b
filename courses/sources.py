"""Reading course bundles: from folders of YAML files, or from one HTTP document.

On disk a course is a folder named after its slug with one `<locale>.yaml` per locale. Over
HTTP a bundle is one document: `{"slug": ..., "locales": {"zh-CN": {...}, "en": {...}}}`,
each locale document exactly what the file would hold.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from courses.bundle import LOCALES
from courses.validation import CourseSource, Problem

MAX_FILE_BYTES = 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: content needs none, and aliases let a small
    document expand into a huge one."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


def parse_yaml(text: str | bytes, file: str) -> tuple[Any, list[Problem]]:
    try:
        return yaml.load(text, Loader=_NoAliasLoader), []  # noqa: S506 - a SafeLoader
    except RecursionError:
        return None, [Problem(file, "", "not valid YAML: nested too deeply")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(file, "", f"not valid YAML: {where}{problem}")]


def parse_json(text: str | bytes, file: str) -> tuple[Any, list[Problem]]:
    try:
        return json.loads(text), []
    except (ValueError, UnicodeDecodeError) as exc:
        return None, [Problem(file, "", f"not valid JSON: {exc}")]
    except RecursionError:
        return None, [Problem(file, "", "not valid JSON: nested too deeply")]


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
        content, found = parse_yaml(file.read_bytes(), str(file))
        problems += found
        if not found:
            documents[locale] = (str(file), content)
    return CourseSource(slug, label, documents, problems)


def bundle_source(document: Any, label: str = "bundle") -> CourseSource:
    """The course in an HTTP bundle; shape problems are reported, not raised."""
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
    return CourseSource(slug, label, documents, problems)


_BUNDLE_FIELDS = frozenset({"format", "slug", "locales"})


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in YAML_SUFFIXES)


def _sibling_courses(folder: Path) -> set[str]:
    parent = folder.parent
    return {child.name for child in parent.iterdir() if child.is_dir() and _yaml_files(child)}
