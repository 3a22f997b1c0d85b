"""The compliance filter without a database: each rule class with true positives and near
misses, bypass attempts (spacing, full-width, homoglyphs, zero-width, digit words), the
detectors, and a bad rule file listing every problem."""

from pathlib import Path

import pytest

from api.settings import MODERATION_RULES
from gamification.community.detectors import id_number_valid, luhn_valid
from gamification.community.normalise import normalise
from gamification.community.screening import (
    Action,
    RuleFileError,
    moderation_rules,
    names_a_security,
    parse_rule_set,
)

RULES = moderation_rules(MODERATION_RULES)


def matched(text: str) -> tuple[str, ...]:
    return RULES.screen(text).matched


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("老师带你赚，今天荐股三只", "stock-tip-solicitation"),
        ("内幕消息：明天涨停板预定", "stock-tip-solicitation"),
        ("这只稳赚", "stock-tip-solicitation"),
        ("Guaranteed returns, follow my trades and win", "stock-tip-solicitation"),
        ("保证收益，月收益 20% 以上", "return-promise"),
        ("零风险，一夜暴富", "return-promise"),
        ("risk-free returns every month", "return-promise"),
        ("加我微信 stock_teacher_88", "contact-wechat-qq"),
        ("QQ群：12345678", "contact-wechat-qq"),
        ("call 13800138000", "contact-phone"),
        ("+86 138-0013-8000", "contact-phone"),
        ("电话8613800138000", "contact-phone"),
        ("see https://example.com/x", "off-platform-link"),
        ("去 stocks.vip 看看", "off-platform-link"),
        ("私聊我，拉你进群", "off-platform-link"),
        ("卡号 6222 0202 0000 0000 006", "bank-card-number"),
        ("card 4111 1111 1111 1111", "bank-card-number"),
        ("身份证 11010519491231002X", "id-card-number"),
        ("验证码是 482913", "account-secrets"),
        ("you idiot", "abuse"),
        ("用了三倍杠杆", "leverage-reminder"),
    ],
)
def test_each_rule_class_catches_its_true_positives(text: str, rule: str) -> None:
    assert rule in matched(text)


@pytest.mark.parametrize(
    "text",
    [
        "设置止损 stop-loss 在 8%，控制回撤",
        "投资有风险，入市需谨慎",
        "Past returns do not promise future returns; nothing is guaranteed.",
        "Returns are not guaranteed and the fund is not risk-free.",
        "远离荐股群，警惕所谓内幕消息",
        "没有稳赚的投资，也不保证收益",
        "参加我们的模拟比赛，增加我的仓位前先看 600519.SH 年报",
        "验证码是什么？永远不要告诉别人",
        "ChiNext needs ¥100,000 of assets over 20 trading days",
        "买了 100 股，成本 12.50 元，2026 年目标是学会分散",
        "ETF 510300.SZ 的费率 0.15%",
        "holding 6222 shares",
    ],
)
def test_near_misses_and_lesson_quotes_pass(text: str) -> None:
    assert matched(text) == ()


@pytest.mark.parametrize(
    "text",
    [
        "荐 股",  # spaces
        "荐\u200b股",  # a zero-width space
        "荐-股",  # a filler
        "ＧＵＡＲＡＮＴＥＥＤ ＲＥＴＵＲＮＳ",  # full-width
        "guarant\u0435\u0435d returns",  # Cyrillic е
        "GuArAnTeEd   ReTuRnS",  # case and spacing
        "稳 赚",
    ],
)
def test_bypass_attempts_are_caught(text: str) -> None:
    assert "stock-tip-solicitation" in matched(text)


def test_digit_words_fold_into_digits() -> None:
    assert normalise("一三八 零零一三 八零零零") == "13800138000"
    assert "contact-phone" in matched("电话 幺三八零零一三八零零零")
    assert "contact-wechat-qq" in matched("加我ＶＸ：ｍｅｉ＿ｓｔｏｃｋ８８")


def test_the_strongest_action_wins_and_every_rule_is_named() -> None:
    verdict = RULES.screen("荐股请加微信 stock_teacher_88")
    assert verdict.action is Action.BLOCK
    assert verdict.blocked_by is not None
    assert verdict.blocked_by.id == "contact-wechat-qq"
    assert set(verdict.matched) == {
        "stock-tip-solicitation",
        "contact-wechat-qq",
    }
    label = RULES.screen("杠杆 is risky")
    assert (label.action, label.labels, label.held) == (Action.LABEL, ("leverage-reminder",), False)


def test_luhn_and_id_number_checks() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert id_number_valid("11010519491231002x")
    assert not id_number_valid("110105194912310021")  # wrong check character
    assert not id_number_valid("110105194913310028")  # no 13th month


def test_a_security_code_in_the_text_is_named() -> None:
    assert names_a_security("看好 ６００５１９．ＳＨ 的分红")
    assert not names_a_security("600519 is just a number here")


def test_a_bad_rule_file_lists_every_problem() -> None:
    with pytest.raises(RuleFileError) as caught:
        parse_rule_set(
            {
                "labels": {"not_investment_advice": {"zh-CN": "x"}},
                "rules": [
                    {"id": "Bad Id", "class": "x", "action": "ban", "patterns": {"en": ["("]}},
                    {"id": "no-patterns", "class": "x", "action": "hold", "message": {"zh-CN": "a", "en": "b"}},
                    {"id": "dup", "class": "x", "action": "label", "detector": "bank_card", "message": {"zh-CN": "a", "en": "b"}},
                    {"id": "dup", "class": "x", "action": "label", "detector": "iban", "message": {"zh-CN": "a", "en": "b"}},
                ],
            }
        )  # fmt: skip
    assert caught.value.problems == [
        "labels.not_investment_advice: needs a text of 1 to 200 characters in zh-CN and in en",
        "rules[0].id: lowercase letters, digits, - and _, at most 48",
        "rules[0].action: one of hold, block, label",
        "rules[0].message: needs a text of 1 to 200 characters in zh-CN and in en",
        "rules[0].patterns.en[0]: not a valid regular expression (missing ), unterminated "
        "subpattern at position 0)",
        "rules[1]: needs patterns or a detector",
        "rules[3].detector: one of bank_card, id_card",
    ]


def test_the_shipped_file_reads(tmp_path: Path) -> None:
    assert len(RULES.rules) >= 10
    assert {rule.rule_class for rule in RULES.rules} >= {
        "stock_tip",
        "return_promise",
        "contact",
        "personal_data",
        "abuse",
    }
