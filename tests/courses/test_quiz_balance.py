"""Quiz habits a guesser exploits: shuffled choices, and the validator's warnings (no database
except the HTTP import)."""

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from httpx import AsyncClient

from api.cli import main
from courses.quiz_balance import MULTIPLE_LABEL
from courses.shuffle import learner_choice_order
from courses.sources import bundle_source
from courses.validation import Problem, validate_course
from tests.factories import UserFactory
from tests.helpers import bundle_doc, each_locale

ZH = "locales.zh-CN"
EN = "locales.en"
FOUR = {"id": "q", "kind": "single", "choices": [{"id": c} for c in "abcd"]}


def order(learner: int, question: dict[str, Any] = FOUR) -> list[str]:
    choices = learner_choice_order(
        question, learner_id=uuid.UUID(int=learner), lesson_id=uuid.UUID(int=7)
    )
    return [choice["id"] for choice in choices]


def test_a_learner_always_gets_the_same_order_and_learners_get_different_ones() -> None:
    assert all(order(i) == order(i) for i in range(20))
    orders = Counter(tuple(order(i)) for i in range(400))
    assert len(orders) == 24  # every permutation of four choices turns up
    first = Counter(order(i)[0] for i in range(400))
    assert all(60 <= first[c] <= 140 for c in "abcd")  # each choice leads about 1 in 4


def test_true_false_keeps_true_first() -> None:
    question = {"id": "t", "kind": "true_false", "choices": [{"id": "false"}, {"id": "true"}]}
    assert {tuple(order(i, question)) for i in range(20)} == {("true", "false")}


def warnings_of(document: dict[str, Any]) -> list[Problem]:
    bundle, problems = validate_course(bundle_source(document))
    assert problems == [], [str(p) for p in problems]
    assert bundle is not None
    return bundle.warnings


def leaning_bundle() -> dict[str, Any]:
    """Four lessons: every single answer a, a+b right in every multiple, every statement true;
    an absolute word in a wrong choice and a false statement; an unlabelled multiple prompt."""

    def lean(document: dict[str, Any]) -> None:
        lesson = document["lessons"][0]["quiz"]["questions"]
        lesson[0]["choices"][1]["text"] = (
            "一定会涨" if document["locale"] == "zh-CN" else "always up"
        )
        lesson[1]["prompt"] = "Which?"

    document = each_locale(bundle_doc(lessons=4), lean)
    for tf in document["locales"]["zh-CN"]["lessons"][3]["quiz"]["questions"][2:]:
        tf["prompt"] = "这只基金保证不亏"
    for locale in document["locales"].values():
        tf = locale["lessons"][3]["quiz"]["questions"][2]
        tf["choices"][0]["correct"], tf["choices"][1]["correct"] = False, True
    return document


def test_a_leaning_bundle_gets_every_warning() -> None:
    warnings = {(w.file, w.path, w.message.split(":")[0]) for w in warnings_of(leaning_bundle())}
    assert warnings == {
        (
            ZH,
            "lessons",
            "a is the right answer of 4 of 4 single-choice questions (100%; at most 40%)",
        ),
        (ZH, "lessons", "a, b is right in every multiple-choice question (4 of 4)"),
        (ZH, "lessons", "3 of 4 true/false statements are true (at most 70% one way)"),
        (
            ZH,
            "lessons[0].quiz.questions[0].choices[1].text",
            "a wrong choice saying 一定 gives the answer away; write the mistake a beginner would make",
        ),
        (
            EN,
            "lessons[0].quiz.questions[0].choices[1].text",
            "a wrong choice saying always gives the answer away; write the mistake a beginner would make",
        ),
        (
            ZH,
            "lessons[3].quiz.questions[2].prompt",
            "a false statement saying 保证 gives the answer away; drop the absolute word or make the statement true",
        ),
        (
            ZH,
            "lessons[0].quiz.questions[1].prompt",
            "a multiple-choice prompt says how it is scored",
        ),
        (
            EN,
            "lessons[0].quiz.questions[1].prompt",
            "a multiple-choice prompt says how it is scored",
        ),
    }


def test_a_balanced_bundle_and_small_samples_get_no_warning() -> None:
    assert warnings_of(bundle_doc(lessons=3)) == []  # 3 of a kind: too few to call a habit

    def balance(document: dict[str, Any]) -> None:
        for i, lesson in enumerate(document["lessons"]):
            single, multiple, tf = lesson["quiz"]["questions"]
            for k, choice in enumerate(single["choices"]):
                choice["correct"] = k == i % 3
            for k, choice in enumerate(multiple["choices"]):
                choice["correct"] = k != i % 3
            tf["choices"][0]["correct"], tf["choices"][1]["correct"] = i % 2 == 0, i % 2 == 1

    assert warnings_of(each_locale(bundle_doc(lessons=6), balance)) == []


def test_strict_validate_fails_on_warnings(tmp_path: Path) -> None:
    folder = tmp_path / "test-course"
    folder.mkdir()
    for locale, document in leaning_bundle()["locales"].items():
        (folder / f"{locale}.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
    runner = CliRunner()
    lenient = runner.invoke(main, ["courses", "validate", str(folder)])
    assert lenient.exit_code == 0, lenient.output
    assert "warning: " in lenient.output
    strict = runner.invoke(main, ["courses", "validate", str(folder), "--strict"])
    assert strict.exit_code != 0
    assert "8 warning(s), and --strict" in strict.output


async def test_http_import_reports_the_warnings(
    client: AsyncClient, user_factory: UserFactory
) -> None:
    editor = await user_factory(roles=("editor",))
    response = await client.post(
        "/v1/editor/courses/import", json=leaning_bundle(), headers=editor.headers
    )
    assert response.status_code == 201, response.text
    fields = {w["field"] for w in response.json()["warnings"]}
    assert f"{ZH}.lessons" in fields
    assert f"{EN}.lessons[0].quiz.questions[1].prompt" in fields


def test_the_label_is_the_one_the_seed_uses() -> None:
    assert MULTIPLE_LABEL == {
        "zh-CN": "（多选，全部选对才得分）",
        "en": "(Select all that apply; all must be right)",
    }
