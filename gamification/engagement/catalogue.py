"""Shared checks for the engagement catalogues (quests, badges, league tiers): every problem is
collected with its file and path, and a file with any problem loads nothing."""

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
LOCALES = ("zh-CN", "en")


class CatalogueError(ValueError):
    """The catalogue is not valid: `problems` lists each as `file: path: message`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Problems:
    """Problems of one file, each at a path inside it."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.found: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.found.append(f"{self.file_name}: {path}: {message}")

    def raise_any(self) -> None:
        if self.found:
            raise CatalogueError(self.found)


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogueError([f"{path.name}: the file is missing"]) from exc
    except yaml.YAMLError as exc:
        raise CatalogueError([f"{path.name}: not valid YAML: {exc}"]) from exc


def entries(document: Any, key: str, problems: Problems) -> list[Any]:
    """The list under `key` of a `format: 1` document."""
    if not isinstance(document, Mapping) or document.get("format") != 1:
        problems.add("format", "the file needs `format: 1`")
        return []
    found = document.get(key)
    if not isinstance(found, list) or not found:
        problems.add(key, "must be a non-empty list")
        return []
    return found


def check_fields(
    entry: Mapping[str, Any], path: str, problems: Problems, *, required: set[str], known: set[str]
) -> None:
    for name in sorted(required - set(entry)):
        problems.add(f"{path}.{name}", "is required")
    for name in sorted(set(entry) - known):
        problems.add(f"{path}.{name}", "is not a known field")


def check_id(value: Any, path: str, problems: Problems, seen: set[str]) -> None:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        problems.add(path, "an id is lowercase letters, digits and hyphens, at most 40")
    elif value in seen:
        problems.add(path, f"duplicate id {value!r}")
    else:
        seen.add(value)


def check_text(value: Any, path: str, problems: Problems, *, max_length: int) -> None:
    """A text in every shipped locale."""
    if not isinstance(value, Mapping):
        problems.add(path, f"needs a text for each of {', '.join(LOCALES)}")
        return
    for locale in LOCALES:
        text = value.get(locale)
        if not isinstance(text, str) or not text.strip() or len(text) > max_length:
            problems.add(f"{path}.{locale}", f"must be text of 1 to {max_length} characters")
    for locale in sorted(set(value) - set(LOCALES)):
        problems.add(f"{path}.{locale}", "is not a shipped locale")


def check_whole(value: Any, path: str, problems: Problems, *, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add(path, f"must be a whole number from {low} to {high}")


def localized(texts: Mapping[str, str], locale: str) -> str:
    return texts.get(locale) or texts.get("zh-CN") or next(iter(texts.values()), "")
