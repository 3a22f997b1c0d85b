"""Paper-trading contests: instruments and quotes, the trading calendar, contests, entries,
orders, fills, portfolios and leaderboards."""
