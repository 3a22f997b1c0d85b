"""Accounts: users, sign-up and login, tokens, roles, suitability and privacy."""
