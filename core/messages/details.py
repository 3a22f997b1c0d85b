"""Problem details (and the reasons of locked courses and ineligible vouchers) by message key,
in zh-CN and en. `{name}` is a parameter the raise site gives."""

from core.messages.campaigns import CAMPAIGN_DETAILS
from core.messages.outcome_measures import OUTCOME_MEASURE_DETAILS
from core.messages.rendering import Texts

_REQUESTS: Texts = {
    "fields-not-valid": {"en": "One or more fields are not valid.", "zh-CN": "部分字段无效。"},
    "request-cut-off": {"en": "The request was cut off.", "zh-CN": "请求未完整发送。"},
    "body-nested-too-deeply": {
        "en": "The request body is nested too deeply.",
        "zh-CN": "请求内容嵌套层级过深。",
    },
    "body-not-utf8": {
        "en": "The request body is not valid UTF-8.",
        "zh-CN": "请求内容不是有效的 UTF-8。",
    },
    "body-not-json": {
        "en": "The request body is not valid JSON.",
        "zh-CN": "请求内容不是有效的 JSON。",
    },
    "json-body-required": {
        "en": "Send the body as JSON, with `Content-Type: application/json` (UTF-8).",
        "zh-CN": "请以 JSON 格式发送请求内容，并设置 `Content-Type: application/json`（UTF-8）。",
    },
    "value-not-storable": {
        "en": "A value in the request cannot be stored: it is out of range or contains "
        "characters that are not text (such as NUL).",
        "zh-CN": "请求中的某个值无法保存：超出范围，或包含非文本字符（如 NUL）。",
    },
    "cursor-not-valid": {
        "en": "The cursor is not one this API issued.",
        "zh-CN": "该游标不是本接口签发的。",
    },
    "idempotency-key-required": {
        "en": "This request needs an {header} header.",
        "zh-CN": "此请求需要 {header} 请求头。",
    },
    "idempotency-key-reused": {
        "en": "This {header} was already used with a different request body.",
        "zh-CN": "该 {header} 已用于内容不同的请求。",
    },
    "idempotency-key-in-progress": {
        "en": "A request with this key is still in progress.",
        "zh-CN": "使用该键的请求仍在处理中。",
    },
    "database-unavailable": {
        "en": "The service cannot reach its database right now. Please try again shortly.",
        "zh-CN": "服务暂时无法连接数据库，请稍后重试。",
    },
    "internal-error": {
        "en": "Something went wrong on our side. Quote request id {request_id} to support.",
        "zh-CN": "服务出现问题。联系客服时请提供请求编号 {request_id}。",
    },
    "database-unreachable": {"en": "The database is unreachable.", "zh-CN": "无法连接数据库。"},
    "migrations-behind": {
        "en": "Migrations are at {current}, not at head {head}.",
        "zh-CN": "数据库迁移版本为 {current}，不是最新的 {head}。",
    },
    "metrics-token-required": {
        "en": "The metrics need `Authorization: Bearer <METRICS_TOKEN>`.",
        "zh-CN": "读取指标需要 `Authorization: Bearer <METRICS_TOKEN>`。",
    },
}

_ACCOUNTS: Texts = {
    "wrong-credentials": {
        "en": "The email or password is not correct.",
        "zh-CN": "邮箱或密码不正确。",
    },
    "refresh-refused": {
        "en": "The refresh token is invalid, expired or already used. Please log in again.",
        "zh-CN": "刷新令牌无效、已过期或已使用，请重新登录。",
    },
    "current-password-wrong": {
        "en": "The current password is not correct.",
        "zh-CN": "当前密码不正确。",
    },
    "email-not-valid": {"en": "The email address is not valid.", "zh-CN": "邮箱地址无效。"},
    "password-not-valid": {
        "en": "The password does not meet the rules (see errors).",
        "zh-CN": "密码不符合要求（见 errors）。",
    },
    "display-name-not-valid": {
        "en": "The display name is not valid (see errors).",
        "zh-CN": "昵称无效（见 errors）。",
    },
    "assessment-not-valid": {
        "en": "The answers are incomplete or invalid.",
        "zh-CN": "测评答案不完整或无效。",
    },
    "rate-limited": {
        "en": "Too many requests. Try again later.",
        "zh-CN": "请求过于频繁，请稍后再试。",
    },
    "too-many-failed-logins": {
        "en": "Too many failed logins. Try again later.",
        "zh-CN": "登录失败次数过多，请稍后再试。",
    },
    "too-many-wrong-passwords": {
        "en": "Too many wrong passwords. Try again later.",
        "zh-CN": "密码错误次数过多，请稍后再试。",
    },
    "too-many-signups": {
        "en": "Too many sign-ups from this address. Try again later.",
        "zh-CN": "该网络地址注册次数过多，请稍后再试。",
    },
    "unauthorized": {
        "en": "An `Authorization: Bearer <access token>` header is required.",
        "zh-CN": "需要 `Authorization: Bearer <访问令牌>` 请求头。",
    },
    "token-expired": {
        "en": "The access token has expired. Get a new one with the refresh token.",
        "zh-CN": "访问令牌已过期，请用刷新令牌获取新的访问令牌。",
    },
    "token-invalid": {
        "en": "The access token is not one this service issued. Please log in again.",
        "zh-CN": "访问令牌无效，请重新登录。",
    },
    "session-ended": {
        "en": "This session has ended. Please log in again.",
        "zh-CN": "会话已结束，请重新登录。",
    },
    "email-taken": {
        "en": "An account with this email already exists.",
        "zh-CN": "该邮箱已有账户。",
    },
    "recent-login-required": {
        "en": "Deleting your account cannot be undone: log in again, then delete it.",
        "zh-CN": "删除账户后无法恢复：请重新登录后再删除。",
    },
    "league-week-closing": {
        "en": "This week's league results are being written; delete your account in a minute.",
        "zh-CN": "本周联赛结果正在结算，请一分钟后再删除账户。",
    },
    "last-admin": {
        "en": "This is the last admin account; make another admin first.",
        "zh-CN": "这是最后一个管理员账户，请先设置另一位管理员。",
    },
    "self-demotion-forbidden": {
        "en": "You cannot remove your own admin role; ask another admin.",
        "zh-CN": "您不能移除自己的管理员角色，请联系其他管理员。",
    },
    "user-not-found": {"en": "No such user.", "zh-CN": "用户不存在。"},
    "email-not-found": {
        "en": "No account with the email {email}.",
        "zh-CN": "没有邮箱为 {email} 的账户。",
    },
    "partner-name-taken": {
        "en": "A partner named {name} already exists (revoked or not); use `partners rotate` "
        "for a new key, or another name.",
        "zh-CN": "名为 {name} 的合作方已存在（无论是否已吊销）；请用 `partners rotate` "
        "换发新密钥，或换一个名称。",
    },
    "partner-not-found": {
        "en": "No live partner named {name}.",
        "zh-CN": "没有名为 {name} 的有效合作方。",
    },
}

_EDITING: Texts = {
    "bundle-media-type": {
        "en": "Send the bundle as JSON or YAML.",
        "zh-CN": "请以 JSON 或 YAML 格式发送课程包。",
    },
    "invalid-bundle": {
        "en": "The bundle has {count} problem(s); nothing was imported.",
        "zh-CN": "课程包有 {count} 处问题，未导入任何内容。",
    },
    "no-draft-version": {
        "en": "Course {slug} has no draft version; import a changed bundle first.",
        "zh-CN": "课程 {slug} 没有草稿版本，请先导入修改后的课程包。",
    },
    "course-version-not-found": {
        "en": "Course {slug} has no version {number}.",
        "zh-CN": "课程 {slug} 没有第 {number} 版。",
    },
    "version-already-published": {
        "en": "Version {number} of {slug} is already published.",
        "zh-CN": "课程 {slug} 的第 {number} 版已发布。",
    },
    "course-not-published": {
        "en": "Course {slug} has no published version.",
        "zh-CN": "课程 {slug} 没有已发布版本。",
    },
    "lesson-not-in-version": {
        "en": "Version {number} of course {slug} has no lesson {lesson_id}.",
        "zh-CN": "课程 {slug} 的第 {number} 版没有课时 {lesson_id}。",
    },
}

_LEARNING: Texts = {
    "course-not-found": {"en": "There is no course {slug}.", "zh-CN": "没有课程 {slug}。"},
    "published-course-not-found": {
        "en": "There is no published course {slug}.",
        "zh-CN": "没有已发布的课程 {slug}。",
    },
    "lesson-not-found": {
        "en": "There is no published lesson {lesson_id}.",
        "zh-CN": "没有已发布的课时 {lesson_id}。",
    },
    "course-locked.risk-assessment-required": {
        "en": "This course is for investors rated {required_risk_profile} or above; "
        "complete the risk assessment first.",
        "zh-CN": "本课程面向风险等级 {required_risk_profile} 及以上的投资者，请先完成风险测评。",
    },
    "course-locked.risk-profile-too-low": {
        "en": "This course is for investors rated {required_risk_profile} or above; "
        "your risk profile is {risk_profile}.",
        "zh-CN": "本课程面向风险等级 {required_risk_profile} 及以上的投资者，"
        "您的风险等级为 {risk_profile}。",
    },
    "course-locked.prerequisites-incomplete": {
        "en": "Complete these courses first: {courses}.",
        "zh-CN": "请先完成以下课程：{courses}。",
    },
    "lesson-not-opened": {
        "en": "Open the lesson (GET it) before completing it.",
        "zh-CN": "请先打开课时，再标记完成。",
    },
    "lesson-read-too-fast": {
        "en": "This lesson takes about {minutes} minute(s) to read; "
        "it can be completed in {seconds} second(s).",
        "zh-CN": "本课时约需 {minutes} 分钟阅读，{seconds} 秒后可标记完成。",
    },
    "invalid-answers": {
        "en": "{count} answer(s) do not fit the quiz.",
        "zh-CN": "有 {count} 个答案与测验不符。",
    },
    "unanswered-questions": {
        "en": "Every question needs an answer; not answered: {questions}.",
        "zh-CN": "每道题都需要作答，未作答：{questions}。",
    },
    "quiz-attempts-exhausted": {
        "en": "You have used all {attempts} attempts at this quiz today; try again tomorrow.",
        "zh-CN": "您今天已用完本测验的 {attempts} 次机会，请明天再试。",
    },
}

_POINTS: Texts = {
    "insufficient-points": {
        "en": "Not enough unexpired points to cover {points}.",
        "zh-CN": "未过期积分不足 {points}。",
    },
    "already-reversed": {
        "en": "This transaction was already reversed.",
        "zh-CN": "该交易已被冲正。",
    },
    "not-reversible": {
        "en": "A {kind} transaction cannot be reversed.",
        "zh-CN": "{kind} 类交易不可冲正。",
    },
    "ledger-transaction-not-found": {"en": "No such transaction.", "zh-CN": "交易不存在。"},
    "self-adjustment-forbidden": {
        "en": "You cannot adjust your own points; ask another admin.",
        "zh-CN": "您不能调整自己的积分，请联系其他管理员。",
    },
    "self-approval-forbidden": {
        "en": "You cannot approve an adjustment of your own points.",
        "zh-CN": "您不能审批对自己积分的调整。",
    },
    "approver-is-requester": {
        "en": "Another admin must approve an adjustment you requested.",
        "zh-CN": "您发起的调整须由另一位管理员审批。",
    },
    "adjustment-not-found": {"en": "No such adjustment.", "zh-CN": "调整记录不存在。"},
    "adjustment-not-pending": {
        "en": "This adjustment is already {status}.",
        "zh-CN": "该调整已处于 {status} 状态。",
    },
    "adjustment-not-valid": {"en": "The adjustment is not valid.", "zh-CN": "调整内容无效。"},
    "reason-required": {"en": "Say why.", "zh-CN": "请说明原因。"},
}

_VOUCHERS: Texts = {
    "voucher-product-not-found": {"en": "No such voucher product.", "zh-CN": "优惠券产品不存在。"},
    "voucher-product-not-valid": {
        "en": "The voucher product is not valid: {problems}.",
        "zh-CN": "优惠券产品无效：{problems}。",
    },
    "voucher-not-found": {"en": "No such voucher.", "zh-CN": "优惠券不存在。"},
    "voucher-code-unknown": {
        "en": "No voucher has this code.",
        "zh-CN": "没有该券码对应的优惠券。",
    },
    "not-eligible.not-on-sale-yet": {
        "en": "This voucher goes on sale at {starts_at}.",
        "zh-CN": "该优惠券将于 {starts_at} 开始兑换。",
    },
    "not-eligible.not-on-sale": {
        "en": "This voucher is no longer on sale.",
        "zh-CN": "该优惠券已停止兑换。",
    },
    "not-eligible.risk-assessment-required": {
        "en": "This voucher is for a product rated {product_risk_level}; "
        "complete the risk assessment first.",
        "zh-CN": "该优惠券适用于风险等级 {product_risk_level} 的产品，请先完成风险测评。",
    },
    "not-eligible.risk-profile-too-low": {
        "en": "This voucher is for a product rated {product_risk_level}, above your "
        "risk profile {risk_profile}.",
        "zh-CN": "该优惠券适用于风险等级 {product_risk_level} 的产品，"
        "高于您的风险等级 {risk_profile}。",
    },
    "not-eligible.lifecycle-stage-not-eligible": {
        "en": "This voucher is for {stages} clients.",
        "zh-CN": "该优惠券仅限{stages}客户。",
    },
    "lifecycle-stage.new": {"en": "new", "zh-CN": "新"},
    "lifecycle-stage.growing": {"en": "growing", "zh-CN": "成长期"},
    "lifecycle-stage.mature": {"en": "mature", "zh-CN": "成熟期"},
    "list-joiner": {"en": " and ", "zh-CN": "、"},
    "not-eligible.course-required": {
        "en": "Complete the course “{course}” first.",
        "zh-CN": "请先完成课程“{course}”。",
    },
    "out-of-stock": {"en": "This voucher is sold out.", "zh-CN": "该优惠券已兑完。"},
    "limit-reached": {
        "en": "You can redeem this voucher {limit} time(s) and have done so.",
        "zh-CN": "该优惠券每人限兑 {limit} 次，您已兑满。",
    },
    "already-consumed": {
        "en": "This voucher was already used for another trade or subscription.",
        "zh-CN": "该优惠券已用于其他交易或申购。",
    },
    "voucher-expired": {"en": "This voucher has expired.", "zh-CN": "该优惠券已过期。"},
    "voucher-revoked": {"en": "This voucher was revoked.", "zh-CN": "该优惠券已被撤销。"},
    "not-revocable": {
        "en": "This voucher is {status}; only unused ones can be.",
        "zh-CN": "该优惠券状态为 {status}，只能撤销未使用的优惠券。",
    },
    "stock-below-issued": {
        "en": "{issued} were already issued; total_stock cannot go below that.",
        "zh-CN": "已发放 {issued} 张，total_stock 不能低于该数量。",
    },
    "duplicate-sku": {"en": "The SKU {sku} is already used.", "zh-CN": "SKU {sku} 已被使用。"},
}

_VOUCHER_TERMS: Texts = {
    "terms.commission_waiver": {
        "en": "Commission waived up to ¥{waive_commission_up_to_cny} a trade on {trades} "
        "trades of {market}",
        "zh-CN": "{market}交易佣金每笔最高减免¥{waive_commission_up_to_cny}，共{trades}笔",
    },
    "terms.commission_rebate": {
        "en": "¥{rebate_cny} of commission back on trades of {market}",
        "zh-CN": "{market}交易佣金返还¥{rebate_cny}",
    },
    "terms.rate_boost": {
        "en": "+{boost_pct_per_year}% a year on {product_name} ({product_type}, "
        "{product_risk_level}) for up to ¥{principal_cap_cny}, for {days} days after "
        "activation",
        "zh-CN": "{product_name}（{product_type}，{product_risk_level}）年化收益率加"
        "{boost_pct_per_year}%，本金上限¥{principal_cap_cny}，激活后持续{days}天",
    },
    "terms.validity": {
        "en": "{terms}, valid {validity_days} days",
        "zh-CN": "{terms}，{validity_days}天内有效",
    },
    "market.cn_a_share": {
        "en": "A shares on the Shanghai and Shenzhen exchanges",
        "zh-CN": "沪深A股",
    },
    "market.cn_etf": {"en": "exchange-traded funds", "zh-CN": "场内ETF"},
    "market.cn_bond": {"en": "exchange-traded bonds", "zh-CN": "场内债券"},
    "market.hk_connect": {"en": "Hong Kong shares through Stock Connect", "zh-CN": "港股通"},
    "product-type.money_market": {"en": "money market fund", "zh-CN": "货币基金"},
    "product-type.bond_fund": {"en": "bond fund", "zh-CN": "债券基金"},
    "product-type.wealth_management": {"en": "wealth management product", "zh-CN": "理财产品"},
}

_CONTESTS: Texts = {
    "contest-not-found": {"en": "No contest with this id.", "zh-CN": "没有该比赛。"},
    "order-not-found": {
        "en": "No such order in your entry.",
        "zh-CN": "您的参赛账户中没有该委托。",
    },
    "report-card-not-found": {
        "en": "There is no report card for you in this contest yet.",
        "zh-CN": "您在该比赛中还没有成绩单。",
    },
    "not-joined": {
        "en": "Join the contest before trading in it.",
        "zh-CN": "请先报名参加比赛再交易。",
    },
    "already-joined": {"en": "You have already joined this contest.", "zh-CN": "您已参加该比赛。"},
    "contest-full": {
        "en": "The contest is full ({max_entrants} entrants).",
        "zh-CN": "比赛名额已满（{max_entrants} 人）。",
    },
    "registration-closed.finished": {
        "en": "The contest has finished.",
        "zh-CN": "比赛已结束。",
    },
    "registration-closed.registration-ended": {
        "en": "Registration for this contest has closed.",
        "zh-CN": "比赛报名已截止。",
    },
    "registration-closed.no-late-entry": {
        "en": "The contest has started and does not take late entries.",
        "zh-CN": "比赛已开始，不接受中途报名。",
    },
    "contest-started": {
        "en": "The contest has started; its rules are fixed.",
        "zh-CN": "比赛已开始，规则不能再修改。",
    },
    "order-not-open": {"en": "The order is {status}.", "zh-CN": "该委托的状态为 {status}。"},
    "client-order-id-reused": {
        "en": "client_order_id {client_order_id} was used for another order.",
        "zh-CN": "client_order_id {client_order_id} 已用于另一笔委托。",
    },
    "too-many-orders": {
        "en": "At most {per_minute} orders a minute per entry.",
        "zh-CN": "每个参赛账户每分钟最多 {per_minute} 笔委托。",
    },
    "contest-not-valid": {
        "en": "The contest is not valid (see errors).",
        "zh-CN": "比赛设置无效（见 errors）。",
    },
}

_ENGAGEMENT: Texts = {
    "streak-not-broken": {
        "en": "Your streak is not broken (or there is none yet): nothing to repair.",
        "zh-CN": "您的连续学习没有中断（或尚未开始），无需修复，未扣除积分。",
    },
    "streak-repair-too-late": {
        "en": "A streak can be repaired only on the day after it broke, within 24 hours.",
        "zh-CN": "连续学习只能在中断后的当天（24 小时内）修复。",
    },
    "streak-repair-used": {
        "en": "A streak can be repaired once a month; try again next month.",
        "zh-CN": "每月只能修复一次连续学习，请下个月再试。",
    },
    "streak-already-paused": {
        "en": "Your streak is paused until {paused_until}; pause again after that.",
        "zh-CN": "您的连续学习暂停至 {paused_until}，之后才能再次暂停。",
    },
}

_COMMUNITY: Texts = {
    "post-not-found": {"en": "No such post.", "zh-CN": "没有该帖子。"},
    "comment-not-found": {"en": "No such comment.", "zh-CN": "没有该评论。"},
    "content-blocked": {
        "en": "A community rule ({rule_id}) refuses this text.",
        "zh-CN": "该内容违反社区规则（{rule_id}）。",
    },
    "community-content-not-valid": {
        "en": "The post or comment is not valid (see errors).",
        "zh-CN": "帖子或评论无效（见 errors）。",
    },
    "own-post-report": {
        "en": "You cannot report your own post; delete it instead.",
        "zh-CN": "不能举报自己的帖子，您可以直接删除它。",
    },
    "already-reported": {
        "en": "You have already reported this post; a moderator will look at it.",
        "zh-CN": "您已举报过该帖子，管理员会处理。",
    },
    "moderation-closed": {
        "en": "It was removed and can no longer be moderated.",
        "zh-CN": "该内容已被删除，不能再审核。",
    },
    "too-many-posts": {
        "en": "At most {per_hour} posts an hour and {per_day} a day.",
        "zh-CN": "每小时最多发 {per_hour} 帖，每天最多 {per_day} 帖。",
    },
    "too-many-comments": {
        "en": "At most {per_minute} comments a minute.",
        "zh-CN": "每分钟最多评论 {per_minute} 条。",
    },
    "moderation-rules-not-valid": {
        "en": "The rule set is refused (see errors); the live rules stay as they are.",
        "zh-CN": "规则集未被接受（见 errors），当前生效的规则保持不变。",
    },
}

_OUTCOMES: Texts = {
    "nps-answered-recently": {
        "en": "The survey can be answered again from {next_allowed_at}.",
        "zh-CN": "您可在 {next_allowed_at} 之后再次回答此调查。",
    },
    "client-not-found": {
        "en": "No client has this owner reference.",
        "zh-CN": "没有客户使用此所有者标识。",
    },
    "event-id-reused": {
        "en": "The event id {event_id} was already used for an event with other fields.",
        "zh-CN": "事件编号 {event_id} 已用于字段不同的另一事件。",
    },
}

DETAILS: Texts = {
    **_REQUESTS,
    **_ACCOUNTS,
    **_EDITING,
    **_LEARNING,
    **_POINTS,
    **_VOUCHERS,
    **_VOUCHER_TERMS,
    **_CONTESTS,
    **_ENGAGEMENT,
    **_COMMUNITY,
    **_OUTCOMES,
    **CAMPAIGN_DETAILS,
    **OUTCOME_MEASURE_DETAILS,
}
