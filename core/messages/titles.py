"""Problem titles by problem code (the `type` after the common prefix), in zh-CN and en."""

from core.messages.campaigns import CAMPAIGN_TITLES
from core.messages.rendering import Texts

_HTTP: Texts = {
    "error": {"en": "Error", "zh-CN": "出错了"},
    "malformed-request": {"en": "The request could not be read", "zh-CN": "无法读取请求"},
    "unauthorized": {"en": "Authentication is required", "zh-CN": "需要登录"},
    "forbidden": {"en": "You are not allowed to do this", "zh-CN": "您无权执行此操作"},
    "not-found": {"en": "Not found", "zh-CN": "未找到"},
    "method-not-allowed": {"en": "Method not allowed", "zh-CN": "不支持该请求方法"},
    "conflict": {"en": "Conflict", "zh-CN": "请求冲突"},
    "payload-too-large": {"en": "The request body is too large", "zh-CN": "请求内容过大"},
    "unsupported-media-type": {"en": "Unsupported media type", "zh-CN": "不支持的内容类型"},
    "validation-error": {"en": "The request is not valid", "zh-CN": "请求内容无效"},
    "rate-limited": {"en": "Too many requests", "zh-CN": "请求过于频繁"},
    "unavailable": {"en": "Service unavailable", "zh-CN": "服务暂不可用"},
    "internal-error": {"en": "Internal server error", "zh-CN": "服务器内部错误"},
    "database-unavailable": {"en": "The database is unavailable", "zh-CN": "数据库暂不可用"},
    "not-ready": {"en": "Not ready", "zh-CN": "服务尚未就绪"},
    "idempotency-key-required": {
        "en": "An Idempotency-Key is required",
        "zh-CN": "需要 Idempotency-Key",
    },
    "idempotency-key-reused": {
        "en": "The Idempotency-Key was used for another request",
        "zh-CN": "该 Idempotency-Key 已用于其他请求",
    },
}

_ACCOUNTS: Texts = {
    "token-expired": {"en": "The access token has expired", "zh-CN": "访问令牌已过期"},
    "token-invalid": {"en": "The access token is not valid", "zh-CN": "访问令牌无效"},
    "session-ended": {"en": "The session has ended", "zh-CN": "会话已结束"},
    "email-taken": {"en": "The email is already registered", "zh-CN": "该邮箱已注册"},
    "recent-login-required": {"en": "Log in again first", "zh-CN": "请先重新登录"},
    "league-week-closing": {"en": "League week closing", "zh-CN": "联赛周正在结算"},
    "last-admin": {"en": "The last admin must stay", "zh-CN": "必须保留最后一位管理员"},
    "self-demotion-forbidden": {
        "en": "Admins cannot remove their own admin role",
        "zh-CN": "管理员不能移除自己的管理员角色",
    },
    "partner-name-taken": {"en": "A partner of that name exists", "zh-CN": "该合作方名称已存在"},
}

_LEARNING: Texts = {
    "course-not-found": {"en": "Course not found", "zh-CN": "未找到课程"},
    "lesson-not-found": {"en": "Lesson not found", "zh-CN": "未找到课时"},
    "risk-assessment-required": {"en": "This course is locked", "zh-CN": "该课程尚未解锁"},
    "risk-profile-too-low": {"en": "This course is locked", "zh-CN": "该课程尚未解锁"},
    "prerequisites-incomplete": {"en": "This course is locked", "zh-CN": "该课程尚未解锁"},
    "lesson-not-opened": {"en": "Open the lesson before completing it", "zh-CN": "请先打开课时"},
    "lesson-read-too-fast": {
        "en": "The lesson was completed faster than it can be read",
        "zh-CN": "课时完成得太快了",
    },
    "invalid-answers": {"en": "The answers do not fit the quiz", "zh-CN": "答案与测验不符"},
    "unanswered-questions": {"en": "Answer every question of the quiz", "zh-CN": "请回答所有题目"},
    "quiz-attempts-exhausted": {"en": "No quiz attempts left today", "zh-CN": "今日测验次数已用完"},
    "no-draft-version": {
        "en": "There is no draft version to publish",
        "zh-CN": "没有可发布的草稿版本",
    },
    "course-version-not-found": {"en": "Course version not found", "zh-CN": "未找到课程版本"},
    "version-already-published": {
        "en": "This version is already the published one",
        "zh-CN": "该版本已是发布版本",
    },
    "course-not-published": {
        "en": "The course has no published version",
        "zh-CN": "该课程没有已发布版本",
    },
    "invalid-bundle": {"en": "The course bundle is not valid", "zh-CN": "课程包无效"},
}

_POINTS_AND_VOUCHERS: Texts = {
    "insufficient-points": {"en": "Not enough points", "zh-CN": "积分不足"},
    "already-reversed": {"en": "This transaction was already reversed", "zh-CN": "该交易已被冲正"},
    "not-reversible": {"en": "This transaction cannot be reversed", "zh-CN": "该交易不可冲正"},
    "self-adjustment-forbidden": {
        "en": "Admins cannot adjust their own points",
        "zh-CN": "管理员不能调整自己的积分",
    },
    "approver-is-requester": {"en": "A second admin must approve", "zh-CN": "需由另一位管理员审批"},
    "adjustment-not-pending": {
        "en": "This adjustment is no longer pending",
        "zh-CN": "该调整已不在待审批状态",
    },
    "not-eligible": {"en": "You cannot redeem this voucher", "zh-CN": "您无法兑换该优惠券"},
    "out-of-stock": {"en": "This voucher is sold out", "zh-CN": "该优惠券已兑完"},
    "limit-reached": {
        "en": "You have redeemed this voucher as often as allowed",
        "zh-CN": "您已达到该优惠券的兑换上限",
    },
    "already-consumed": {"en": "This voucher was already used", "zh-CN": "该优惠券已使用"},
    "voucher-expired": {"en": "This voucher has expired", "zh-CN": "该优惠券已过期"},
    "voucher-revoked": {"en": "This voucher was revoked", "zh-CN": "该优惠券已被撤销"},
    "not-revocable": {
        "en": "Only an unused voucher can be revoked",
        "zh-CN": "只能撤销未使用的优惠券",
    },
    "stock-below-issued": {
        "en": "Stock cannot be set below what was already issued",
        "zh-CN": "库存不能低于已发放数量",
    },
    "duplicate-sku": {
        "en": "A voucher product with this SKU exists",
        "zh-CN": "该 SKU 的优惠券产品已存在",
    },
}

_CONTESTS: Texts = {
    "not-joined": {"en": "You have not joined this contest", "zh-CN": "您尚未参加该比赛"},
    "already-joined": {"en": "You have already joined this contest", "zh-CN": "您已参加该比赛"},
    "contest-full": {"en": "The contest is full", "zh-CN": "比赛名额已满"},
    "registration-closed": {"en": "The contest is not open for joining", "zh-CN": "比赛不可报名"},
    "contest-started": {
        "en": "A contest can only be edited before it starts",
        "zh-CN": "比赛开始后不能修改",
    },
    "order-not-open": {"en": "The order is no longer open", "zh-CN": "委托已不是未成交状态"},
    "client-order-id-reused": {
        "en": "This client_order_id was used for another order",
        "zh-CN": "该 client_order_id 已用于另一笔委托",
    },
}

_ENGAGEMENT: Texts = {
    "streak-not-broken": {
        "en": "There is no broken streak to repair",
        "zh-CN": "没有需要修复的中断连续学习",
    },
    "streak-repair-too-late": {
        "en": "Too late to repair this streak",
        "zh-CN": "已超过连续学习的修复时限",
    },
    "streak-repair-used": {
        "en": "This month's streak repair is used",
        "zh-CN": "本月的连续学习修复机会已用完",
    },
    "streak-already-paused": {
        "en": "The streak is already paused",
        "zh-CN": "连续学习已处于暂停中",
    },
}

_COMMUNITY: Texts = {
    "content-blocked": {
        "en": "This cannot be posted in the community",
        "zh-CN": "该内容不能在社区发布",
    },
    "own-post-report": {"en": "You cannot report your own post", "zh-CN": "不能举报自己的帖子"},
    "already-reported": {"en": "You have already reported this post", "zh-CN": "您已举报过该帖子"},
    "moderation-closed": {"en": "This has been removed", "zh-CN": "该内容已被删除"},
}

_OUTCOMES: Texts = {
    "nps-answered-recently": {
        "en": "You answered this survey recently",
        "zh-CN": "您最近已回答过此调查",
    },
    "event-id-reused": {
        "en": "This event id was used for another event",
        "zh-CN": "该事件编号已用于其他事件",
    },
}

TITLES: Texts = {
    **_HTTP,
    **_ACCOUNTS,
    **_LEARNING,
    **_POINTS_AND_VOUCHERS,
    **_CONTESTS,
    **_ENGAGEMENT,
    **_COMMUNITY,
    **_OUTCOMES,
    **CAMPAIGN_TITLES,
}
