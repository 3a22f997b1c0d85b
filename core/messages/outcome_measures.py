"""The outcomes measures' messages: details by message key, in zh-CN and en."""

from core.messages.rendering import Texts

OUTCOME_MEASURE_DETAILS: Texts = {
    "outcome-measure-not-found": {
        "en": "There is no outcomes measure {measure!r}; the measures are: {known}.",
        "zh-CN": "没有名为 {measure!r} 的成效指标；可用指标：{known}。",
    },
    "outcome-range-not-valid": {
        "en": "The date range is not valid: {problems}.",
        "zh-CN": "日期范围无效：{problems}。",
    },
}
