"""The marketing area: segments, campaigns and their runs (marketers), and the learner's inbox."""
