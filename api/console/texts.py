"""The console's words in each language it ships (zh-CN and en). Problems come from the
message catalogue (`core/messages`), as in the API; these are the pages' own labels."""

from collections.abc import Callable

Texts = Callable[..., str]

_TEXTS: dict[str, tuple[str, str]] = {  # key: (zh-CN, en)
    "console": ("InvestQuest 管理台", "InvestQuest console"),
    "skip": ("跳到正文", "Skip to content"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出登录", "Sign out"),
    "email": ("邮箱", "Email"),
    "password": ("密码", "Password"),
    "signed_in_as": ("当前用户：{name}", "Signed in as {name}"),
    "staff_only": (
        "管理台只对编辑、市场、审核和管理员开放。",
        "The console is for editors, marketers, moderators and admins only.",
    ),
    "not_your_page": ("你的角色不能使用这个页面。", "Your roles do not open this page."),
    "language": ("语言", "Language"),
    "home": ("首页", "Home"),
    "courses": ("课程", "Courses"),
    "vouchers": ("券产品", "Voucher products"),
    "contests": ("模拟交易赛", "Contests"),
    "audit": ("审计日志", "Audit log"),
    "welcome": ("选择一个页面开始工作。", "Pick a page to start."),
    "problems": ("有 {count} 个问题，请修改后再提交：", "Problems to fix first ({count}):"),
    "saved": ("已保存。", "Saved."),
    "save": ("保存", "Save"),
    "create": ("创建", "Create"),
    "filter": ("筛选", "Filter"),
    "none_yet": ("暂无。", "None yet."),
    "status": ("状态", "Status"),
    "created_at": ("创建时间", "Created"),
    # courses
    "upload_bundle": ("上传课程包", "Upload a course bundle"),
    "bundle_file": ("课程包文件（YAML 或 JSON）", "Bundle file (YAML or JSON)"),
    "upload": ("上传", "Upload"),
    "imported": ("{slug}：第 {version} 版，{status}", "{slug}: version {version}, {status}"),
    "unchanged": ("{slug}：内容未变（第 {version} 版）", "{slug}: unchanged (version {version})"),
    "published_version": ("{slug}：第 {version} 版已发布", "{slug}: version {version} published"),
    "slug": ("标识", "Slug"),
    "live_version": ("线上版本", "Live version"),
    "pending_draft": ("待发布草稿", "Pending draft"),
    "versions": ("版本", "Versions"),
    "publish": ("发布", "Publish"),
    "publish_draft": ("发布第 {version} 版草稿", "Publish draft version {version}"),
    "stats": ("学习数据", "Learning figures"),
    "lessons": ("课时", "Lessons"),
    "questions": ("题目", "Questions"),
    "completions_chart": ("每课时打开与完成人数", "Opens and completions per lesson"),
    "accuracy_chart": ("每题正确率", "Accuracy per question"),
    "opens": ("打开", "opens"),
    "completions": ("完成", "completions"),
    "accuracy": ("正确率", "Accuracy"),
    "attempts": ("作答次数", "Attempts"),
    "most_wrong": ("最常选的错误答案", "Most chosen wrong answer"),
    "problem_where": ("位置", "Where"),
    "problem_what": ("问题", "Problem"),
    "line": ("行", "line"),
    # vouchers
    "new_product": ("新建券产品", "New voucher product"),
    "edit_product": ("编辑券产品", "Edit voucher product"),
    "sku": ("SKU", "SKU"),
    "kind": ("类型", "Kind"),
    "kind_fee": ("佣金券", "fee"),
    "kind_yield": ("收益券", "yield"),
    "title_zh": ("标题（中文）", "Title (zh-CN)"),
    "title_en": ("标题（英文）", "Title (en)"),
    "terms": ("条款（JSON）", "Terms (JSON)"),
    "points_price": ("积分价格", "Points price"),
    "total_stock": ("总库存", "Total stock"),
    "remaining_stock": ("剩余库存", "Remaining stock"),
    "issued": ("已发放", "Issued"),
    "per_user_limit": ("每人限领", "Per-user limit"),
    "validity_days": ("有效天数", "Validity (days)"),
    "sale_starts_at": ("开售时间", "Sale starts"),
    "sale_ends_at": ("停售时间", "Sale ends"),
    "product_risk_level": ("产品风险等级", "Product risk level"),
    "required_course_slug": ("需先完成的课程", "Required course"),
    "lifecycle_stages": ("客户阶段", "Lifecycle stages"),
    "stage_new": ("新客户", "new"),
    "stage_growing": ("成长期", "growing"),
    "stage_mature": ("成熟期", "mature"),
    "any": ("不限", "any"),
    "activity_chart": ("每日兑换与使用", "Redeemed and used by day"),
    "stock_chart": ("每日剩余库存（按当前总库存）", "Stock left by day (at today's total)"),
    "redeemed": ("兑换", "redeemed"),
    "consumed": ("使用", "used"),
    "remaining": ("剩余", "remaining"),
    "time_hint": (
        "RFC 3339 时间，如 2026-12-01T00:00:00+08:00",
        "RFC 3339, e.g. 2026-12-01T00:00:00+08:00",
    ),
    # contests
    "new_contest": ("新建模拟交易赛", "New contest"),
    "contest_title_zh": ("标题（中文）", "Title (zh-CN)"),
    "contest_title_en": ("标题（英文）", "Title (en)"),
    "starts_at": ("开始时间", "Starts"),
    "ends_at": ("结束时间", "Ends"),
    "registration_ends_at": ("报名截止", "Registration ends"),
    "market_hours": ("交易时段", "Market hours"),
    "hours_exchange": ("交易所时段", "exchange hours"),
    "hours_always": ("全天", "always"),
    "starting_cash": ("初始资金", "Starting cash"),
    "rule_pack": ("规则包", "Rule pack"),
    "rule_pack_hint": (
        "留空的数字沿用 A 股规则包的默认值。",
        "Figures left blank keep the A-share rule pack's values.",
    ),
    "commission_rate": ("佣金费率", "Commission rate"),
    "commission_min": ("最低佣金", "Minimum commission"),
    "stamp_duty_rate": ("印花税率", "Stamp duty rate"),
    "transfer_fee_rate": ("过户费率", "Transfer fee rate"),
    "t_plus_one": ("T+1", "T+1"),
    "min_price": ("最低股价", "Minimum price"),
    "concentration_cap_pct": ("单只持仓上限（%）", "Concentration cap (%)"),
    "ranking": ("排名方式", "Ranking"),
    "ranking_return": ("收益率", "return"),
    "ranking_risk_adjusted": ("风险调整后收益", "risk-adjusted"),
    "late_entry": ("允许开赛后加入", "Late entry"),
    "max_entrants": ("人数上限", "Maximum entrants"),
    "universe_symbols": (
        "可交易代码（逗号分隔，留空为全部）",
        "Symbols (comma-separated; blank: all)",
    ),
    "entrants": ("参赛人数", "Entrants"),
    "standings": ("排名", "Standings"),
    "finalisation": ("结算状态", "Finalisation"),
    "as_of": ("更新于", "As of"),
    "not_refreshed": ("尚未计算排名。", "Not ranked yet."),
    "frozen_at": ("排名冻结于", "Frozen at"),
    "finalised_at": ("结算完成于", "Finalised at"),
    "not_finalised": ("尚未结算", "Not finalised"),
    "contest_upcoming": ("未开始", "upcoming"),
    "contest_running": ("进行中", "running"),
    "contest_finished": ("已结束", "finished"),
    "rank": ("名次", "Rank"),
    "display_name": ("昵称", "Name"),
    "equity": ("总资产", "Equity"),
    "return_pct": ("收益率（%）", "Return (%)"),
    "max_drawdown_pct": ("最大回撤（%）", "Max drawdown (%)"),
    # audit
    "actor": ("操作人（用户或合作方 ID）", "Actor (user or partner id)"),
    "action": ("操作", "Action"),
    "since": ("起始时间", "From"),
    "until": ("截止时间", "To"),
    "object": ("对象", "Object"),
    "when": ("时间", "When"),
    "summary": ("摘要", "Summary"),
    "more": ("更多", "More"),
}

_COLUMN = {"zh-CN": 0, "en": 1}


def texts_for(locale: str) -> Texts:
    """`t(key, **params)`: the key's words in `locale`."""
    column = _COLUMN.get(locale, 0)

    def t(key: str, **params: object) -> str:
        words = _TEXTS[key][column]
        return words.format(**params) if params else words

    return t


def keys() -> set[str]:
    return set(_TEXTS)
