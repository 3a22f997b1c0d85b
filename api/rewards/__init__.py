"""Rewards and wallet: the wallet, the points history, admin adjustments, and the rewards the
learning routes pay in their own transaction."""
