"""Bundle validation: each class of problem is found, with its file and path; no database."""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from courses.sources import bundle_source, discover, parse_yaml
from courses.validation import Problem, validate_course, validate_courses
from tests.helpers import bundle_doc, each_locale

ZH = "locales.zh-CN"
EN = "locales.en"


def problems_of(document: dict[str, Any], known: set[str] | None = None) -> list[Problem]:
    bundle, problems = validate_course(bundle_source(document), known_courses=known)
    assert (bundle is None) == bool(problems)
    return problems


def found(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(problem.file, problem.path) for problem in problems}


def test_a_good_bundle_has_no_problems() -> None:
    bundle, problems = validate_course(bundle_source(bundle_doc()), known_courses=set())
    assert problems == []
    assert bundle is not None
    assert bundle.question_count == 6
    assert list(bundle.locales) == ["zh-CN", "en"]


def test_a_question_without_a_correct_choice() -> None:
    def no_correct(document: dict[str, Any]) -> None:
        for choice in document["lessons"][1]["quiz"]["questions"][0]["choices"]:
            choice["correct"] = False

    problems = problems_of(each_locale(bundle_doc(), no_correct))
    assert found(problems) == {
        (ZH, "lessons[1].quiz.questions[0].choices"),
        (EN, "lessons[1].quiz.questions[0].choices"),
    }
    assert problems[0].message == "no choice is marked correct"


def test_two_correct_choices_in_a_single_choice_question() -> None:
    def two_correct(document: dict[str, Any]) -> None:
        document["lessons"][0]["quiz"]["questions"][0]["choices"][1]["correct"] = True

    problems = problems_of(each_locale(bundle_doc(), two_correct))
    assert "one" in problems[0].message
    assert problems[0].path == "lessons[0].quiz.questions[0].choices"


def test_duplicate_lesson_slug_and_question_id() -> None:
    def duplicate(document: dict[str, Any]) -> None:
        document["lessons"][1]["slug"] = "lesson-0"
        document["lessons"][1]["quiz"]["questions"][2]["id"] = "q0-tf"

    problems = problems_of(each_locale(bundle_doc(), duplicate))
    assert (ZH, "lessons[1].slug") in found(problems)
    assert (ZH, "lessons[1].quiz.questions[2].id") in found(problems)
    assert any("duplicate lesson slug lesson-0" in p.message for p in problems)


def test_duplicate_choice_id() -> None:
    def duplicate(document: dict[str, Any]) -> None:
        document["lessons"][0]["quiz"]["questions"][1]["choices"][2]["id"] = "a"

    problems = problems_of(each_locale(bundle_doc(), duplicate))
    assert any("duplicate choice id a" in p.message for p in problems)


def test_unknown_prerequisite_and_self_prerequisite() -> None:
    document = bundle_doc(prerequisites=["no-such-course", "test-course"])
    problems = problems_of(document, known={"test-course"})
    assert {(p.path, p.message) for p in problems if p.file == ZH} == {
        ("prerequisites[0]", "unknown prerequisite course no-such-course"),
        ("prerequisites[1]", "a course cannot require itself"),
    }


def test_a_prerequisite_cycle_between_courses() -> None:
    first = bundle_source(bundle_doc("first", prerequisites=["second"]))
    second = bundle_source(bundle_doc("second", prerequisites=["first"]))
    bundles, problems = validate_courses([first, second], known_courses=set())
    assert bundles == []
    assert any("cycle" in p.message for p in problems)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["lessons"].pop(), "lessons"),
        (lambda d: d["lessons"][1].update(est_minutes=9), "lessons[1].est_minutes"),
        (lambda d: d["lessons"][0]["cards"].reverse(), "lessons[0].cards"),
        (lambda d: d["lessons"][0]["quiz"].update(pass_score=90), "lessons[0].quiz.pass_score"),
        (
            lambda d: d["lessons"][1]["quiz"]["questions"][1]["choices"][2].update(correct=True),
            "lessons[1].quiz.questions[1].choices",
        ),
        (lambda d: d.update(min_risk_profile="C3"), "min_risk_profile"),
    ],
)
def test_locales_that_disagree_on_structure(change: Any, path: str) -> None:
    document = bundle_doc()
    change(document["locales"]["en"])
    problems = problems_of(document)
    assert found(problems) == {(EN, path)}
    assert "original" in problems[0].message


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('hi')</script>",
        "Click <a href='https://evil.example'>here</a>",
        "[prize](javascript:alert(1))",
        "fine &nbsp; spacing",
        "<!-- hidden -->",
        "bell \x07",
    ],
)
def test_markdown_that_is_not_plain_text(text: str) -> None:
    document = copy.deepcopy(bundle_doc())
    document["locales"]["en"]["lessons"][1]["cards"][0]["body"] = text
    document["locales"]["en"]["lessons"][0]["quiz"]["questions"][0]["prompt"] = text
    problems = problems_of(document)
    assert found(problems) == {
        (EN, "lessons[1].cards[0].body"),
        (EN, "lessons[0].quiz.questions[0].prompt"),
    }


def test_plain_markdown_with_comparisons_is_fine() -> None:
    document = bundle_doc()
    body = "**Bold**, a list:\n\n- a < b and c > d\n- <https://www.csrc.gov.cn>\n- ¥5 & up"
    document["locales"]["en"]["lessons"][0]["cards"][0]["body"] = body
    assert problems_of(document) == []


def test_oversize_fields() -> None:
    def oversize(document: dict[str, Any]) -> None:
        document["title"] = "x" * 121
        document["lessons"][0]["cards"][0]["body"] = "y" * 2001
        document["lessons"][1]["quiz"]["questions"][0]["choices"][0]["text"] = "z" * 301
        document["tags"] = [f"tag-{i}" for i in range(11)]

    problems = problems_of(each_locale(bundle_doc(), oversize))
    assert {(p.path, p.message) for p in problems if p.file == ZH} == {
        ("title", "String should have at most 120 characters"),
        ("lessons[0].cards[0].body", "String should have at most 2000 characters"),
        (
            "lessons[1].quiz.questions[0].choices[0].text",
            "String should have at most 300 characters",
        ),
        ("tags", "List should have at most 10 items after validation, not 11"),
    }


def test_every_problem_is_listed_at_once() -> None:
    def many(document: dict[str, Any]) -> None:
        document["level"] = "expert"
        document["lessons"][0]["est_minutes"] = 0
        document["lessons"][1]["slug"] = "lesson-0"
        del document["lessons"][1]["quiz"]["questions"][0]["explanation"]
        document["lessons"][1]["cards"][0]["surprise"] = True

    problems = problems_of(each_locale(bundle_doc(), many))
    assert {p.path for p in problems if p.file == ZH} == {
        "level",
        "lessons[0].est_minutes",
        "lessons[1].slug",
        "lessons[1].quiz.questions[0].explanation",
        "lessons[1].cards[0].surprise",
    }


def test_missing_original_locale_and_mismatched_locale_field() -> None:
    document = bundle_doc()
    del document["locales"]["zh-CN"]
    document["locales"]["en"]["locale"] = "zh-CN"
    problems = problems_of(document)
    assert ("bundle", "") in found(problems)
    assert (EN, "locale") in found(problems)


def test_missing_translation_is_a_warning() -> None:
    document = bundle_doc()
    del document["locales"]["en"]
    bundle, problems = validate_course(bundle_source(document))
    assert problems == []
    assert bundle is not None
    assert ["no en translation" in w.message for w in bundle.warnings] == [True]


def test_content_hash_covers_every_locale() -> None:
    first, _ = validate_course(bundle_source(bundle_doc()))
    changed = bundle_doc()
    changed["locales"]["en"]["lessons"][0]["cards"][0]["body"] = "a better translation"
    second, _ = validate_course(bundle_source(changed))
    assert first is not None
    assert second is not None
    assert first.content_hash != second.content_hash
    again, _ = validate_course(bundle_source(bundle_doc()))
    assert again is not None
    assert again.content_hash == first.content_hash


def test_yaml_aliases_and_syntax_errors_are_problems() -> None:
    _, problems, _ = parse_yaml("a: &x [1]\nb: *x\n", "f.yaml")
    assert "aliases" in problems[0].message
    _, problems, _ = parse_yaml("a: [1,\n", "f.yaml")
    assert str(problems[0]).startswith("f.yaml:2: (document): not valid YAML: column 1: ")


def write_course(folder: Path, document: dict[str, Any]) -> None:
    folder.mkdir(parents=True)
    for locale, content in document["locales"].items():
        (folder / f"{locale}.yaml").write_text(yaml.safe_dump(content, allow_unicode=True))


def test_a_folder_is_checked_with_file_names_and_paths(tmp_path: Path) -> None:
    write_course(tmp_path / "basics", bundle_doc("basics"))
    write_course(tmp_path / "advanced", bundle_doc("advanced", prerequisites=["basics", "nope"]))
    (tmp_path / "basics" / "fr.yaml").write_text("format: 1\n")
    discovery = discover(tmp_path)
    _, problems = validate_courses(discovery.sources, known_courses=discovery.known_courses)
    # safe_dump sorts keys: `prerequisites` comes after the lessons, below `- nope`'s line
    nope = (tmp_path / "advanced" / "en.yaml").read_text().splitlines().index("- nope")
    assert sorted(str(p) for p in problems) == [
        f"{tmp_path}/advanced/en.yaml:{nope + 1}: prerequisites[1]: unknown prerequisite "
        "course nope",
        f"{tmp_path}/advanced/zh-CN.yaml:{nope + 1}: prerequisites[1]: unknown prerequisite "
        "course nope",
        f"{tmp_path}/basics/fr.yaml: (document): the file name must be a locale: zh-CN, en",
    ]


def test_every_problem_in_a_file_names_its_line(tmp_path: Path) -> None:
    document = bundle_doc("basics")
    write_course(tmp_path / "basics", document)
    en = tmp_path / "basics" / "en.yaml"
    text = en.read_text().replace("English tempting", "<i>tempting</i>", 1)
    text = text.replace("est_minutes: 2", "est_minutes: 99", 1)
    en.write_text(text)
    lines = text.splitlines()
    tempting = next(n for n, line in enumerate(lines, 1) if "<i>tempting</i>" in line)
    minutes = next(n for n, line in enumerate(lines, 1) if "est_minutes: 99" in line)
    _, problems = validate_courses(discover(tmp_path).sources, known_courses=set())
    assert sorted(str(p).split(": ")[0:2] for p in problems) == sorted(
        [
            [f"{en}:{tempting}", "lessons[0].quiz.questions[0].choices[1].text"],
            [f"{en}:{minutes}", "lessons[0].est_minutes"],
        ]
    )


def test_one_file_is_compared_with_its_original(tmp_path: Path) -> None:
    document = bundle_doc("basics")
    document["locales"]["en"]["lessons"][0]["est_minutes"] = 7
    write_course(tmp_path / "basics", document)
    discovery = discover(tmp_path / "basics" / "en.yaml")
    _, problems = validate_courses(discovery.sources, known_courses=discovery.known_courses)
    assert [p.path for p in discovery.relevant(problems)] == ["lessons[0].est_minutes"]
    only_original = discover(tmp_path / "basics" / "zh-CN.yaml")
    _, problems = validate_courses(only_original.sources, known_courses=set())
    assert only_original.relevant(problems) == []
