"""The outcomes measures by name, each with its definition (en, zh-CN) and how it is computed.
All but `learning-effect` read the rollup tables (`rollup.py`), so they are as fresh as the last
rollup (`as_of`); `learning-effect` reads the contests' tables directly."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gamification.outcomes import measures_monthly as monthly
from gamification.outcomes.measures_errors import UnknownMeasure
from gamification.outcomes.measures_funnel import funnel
from gamification.outcomes.measures_learning import learning_effect
from gamification.outcomes.measures_range import DateRange
from gamification.outcomes.measures_table import MeasureContext, MeasureTable
from gamification.outcomes.rollup_tables import OutcomeRollupState

Compute = Callable[[AsyncSession, DateRange, MeasureContext], Awaitable[MeasureTable]]


@dataclass(frozen=True)
class Measure:
    name: str
    definition: dict[str, str]  # by locale
    compute: Compute


MEASURES: dict[str, Measure] = {
    measure.name: measure
    for measure in (
        Measure(
            "retention",
            {
                "en": "New-client 3-month retention by start month: of the users whose client "
                "life started that month (broker account opened, else app sign-up), the share "
                "with any activity event 1, 2 and 3 months later; null until that month begins.",
                "zh-CN": "新客户三个月留存（按起始月）：当月开户（未开户则按注册）的用户中，"
                "第 1、2、3 个月有任何活动的比例；该月尚未开始时为空。",
            },
            monthly.retention,
        ),
        Measure(
            "interactions",
            {
                "en": "Monthly interactions per active user: events other than sign-up and "
                "broker facts, over the users with any activity event that month.",
                "zh-CN": "月度人均互动：除注册和券商回传事件外的事件数，"
                "除以当月有任何活动的用户数。",
            },
            monthly.interactions,
        ),
        Measure(
            "tool-usage",
            {
                "en": "Tool usage rate: the share of a month's active users who used lessons "
                "(opened or completed), quizzes, contests (joined or ordered), the community "
                "(posted or reported) and vouchers (redeemed or used).",
                "zh-CN": "功能使用率：当月活跃用户中使用课程、测验、模拟赛、社区、券的比例。",
            },
            monthly.tool_usage,
        ),
        Measure(
            "cross-sell",
            {
                "en": "Cross-sell: vouchers redeemed in the app and used at the broker per 100 "
                "active users of the month, by kind (fee, yield).",
                "zh-CN": "交叉销售：每 100 名当月活跃用户兑换的券数和在券商使用的券数，"
                "按费用券、收益券分列。",
            },
            monthly.cross_sell,
        ),
        Measure(
            "complaints",
            {
                "en": "Complaint and report rate: community reports filed per 1,000 active users "
                "of the month.",
                "zh-CN": "投诉举报率：每 1,000 名当月活跃用户提交的社区举报数。",
            },
            monthly.complaints,
        ),
        Measure(
            "nps",
            {
                "en": "NPS by month from the in-app survey: promoters score 9-10, passives 7-8, "
                "detractors 0-6; NPS = % promoters - % detractors.",
                "zh-CN": "净推荐值（按月）：9-10 分为推荐者，7-8 分为中立者，0-6 分为贬损者；"
                "NPS = 推荐者占比 - 贬损者占比。",
            },
            monthly.nps,
        ),
        Measure(
            "funnel",
            {
                "en": "Funnel of the users who signed up in the range: first lesson opened, "
                "first quiz passed, first voucher redeemed, a voucher used at the broker; each "
                "step counts users who also reached every step before it.",
                "zh-CN": "转化漏斗（范围内注册的用户）：首次打开课程、首次通过测验、首次兑换券、"
                "在券商使用券；每一步只计已完成之前所有步骤的用户。",
            },
            funnel,
        ),
        Measure(
            "learning-effect",
            {
                "en": "Contest entrants' trading before and after completing the "
                "risk-and-diversification course, and of those who have not: mean holdings and "
                "largest position share at the window's end, turnover (traded notional over "
                "starting cash, per 30 days of the window) and max drawdown of the daily "
                "equity, per entry.",
                "zh-CN": "学习效果：模拟赛参赛者在完成“风险与分散”课程之前、之后，以及未完成者的"
                "平均持仓数、最大持仓占比、换手率（成交额/初始资金，按每 30 天折算）"
                "和日净值最大回撤。",
            },
            learning_effect,
        ),
    )
}


def find_measure(name: str) -> Measure:
    measure = MEASURES.get(name)
    if measure is None:
        raise UnknownMeasure(name, ", ".join(MEASURES))
    return measure


async def rolled_up_until(db: AsyncSession) -> datetime | None:
    """The rollup's watermark: the rolled-up measures count the events up to it."""
    state = await db.get(OutcomeRollupState, 1)
    return state.covered_until if state else None
