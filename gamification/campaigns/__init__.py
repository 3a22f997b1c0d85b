"""Marketing: segments (a filter over users), campaigns (an action on a schedule), their runs
and deliveries, and the inbox every domain posts messages to."""
