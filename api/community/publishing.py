"""What happens when a post is published, in the transaction that publishes it.

`gamification.community` hands back a `PostPublished` event when a post becomes public (at
once, or at a moderator's approval); this is the one place that acts on it. Today it pays the
rule table's `post_published` reward to the author (once per post, under the rule's daily
cap). Quests ("read a post") and badges ("posts published") hook in here too: add their call
to `on_post_published`.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.business_metrics import POINTS_EARNED, count_on_commit
from api.rewards.wallets import reward_policy
from api.settings import Settings
from gamification.community.events import PostPublished
from gamification.rewards.service import award_for_events


async def on_post_published(
    db: AsyncSession, settings: Settings, published: PostPublished | None, *, now: datetime
) -> None:
    """Posting is not learning: it does not count the day for the streak."""
    if published is None:
        return
    rewards, _ = await award_for_events(
        db,
        user_id=published.author_id,
        timezone=None,
        events=[published.reward_event()],
        now=now,
        policy=reward_policy(settings),
        active=False,
    )
    count_on_commit(db, POINTS_EARNED, sum(reward.points for reward in rewards))
