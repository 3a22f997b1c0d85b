"""The marketing area's messages (segments, campaigns, the inbox): problem titles by code and
details by message key, in zh-CN and en."""

from core.messages.rendering import Texts

CAMPAIGN_TITLES: Texts = {}

CAMPAIGN_DETAILS: Texts = {
    "inbox-message-not-found": {
        "en": "No such message in your inbox.",
        "zh-CN": "您的收件箱中没有该消息。",
    },
}
