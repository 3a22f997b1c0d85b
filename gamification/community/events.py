"""What the community hands on when a post becomes public: a `PostPublished` event.

A post is published once in its life, either at once (the filter let it through) or when a
moderator approves it; the event says which. The api layer pays the rule table's
`post_published` reward for it (once per post, under the rule's daily cap), and other
features (quests, badges) take the same event from the same place.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from gamification.rewards.rules import POST_PUBLISHED, RewardEvent


@dataclass(frozen=True)
class PostPublished:
    post_id: uuid.UUID
    author_id: uuid.UUID
    published_at: datetime
    approved_by_moderator: bool  # False: published by the filter when it was written

    def reward_event(self) -> RewardEvent:
        """The rule table's event: paid once per post (reference `post:{id}`)."""
        return RewardEvent(
            POST_PUBLISHED, self.author_id, f"post:{self.post_id}", self.published_at
        )
