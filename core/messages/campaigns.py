"""The marketing area's messages (segments, campaigns, the inbox): problem titles by code and
details by message key, in zh-CN and en."""

from core.messages.rendering import Texts

CAMPAIGN_TITLES: Texts = {
    "campaign-state-conflict": {
        "en": "The campaign's state does not allow this",
        "zh-CN": "活动当前状态不允许此操作",
    },
}

CAMPAIGN_DETAILS: Texts = {
    "segment-not-valid": {
        "en": "The segment is not valid: {problems}",
        "zh-CN": "人群定义无效：{problems}",
    },
    "campaign-not-valid": {
        "en": "The campaign is not valid: {problems}",
        "zh-CN": "活动设置无效：{problems}",
    },
    "segment-not-found": {"en": "No segment with this id.", "zh-CN": "没有该人群。"},
    "campaign-not-found": {"en": "No campaign with this id.", "zh-CN": "没有该活动。"},
    "campaign-state-conflict": {
        "en": "A {status} campaign cannot {change}.",
        "zh-CN": "状态为 {status} 的活动不能执行 {change}。",
    },
    "inbox-message-not-found": {
        "en": "No such message in your inbox.",
        "zh-CN": "您的收件箱中没有该消息。",
    },
}
