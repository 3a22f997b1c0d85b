"""The Community routes: the feed, posts, comments, likes and reports (learners) and the
moderation queue and decisions (moderators), over `gamification/community`."""
