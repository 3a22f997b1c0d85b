"""Vouchers: a catalogue of fee and yield vouchers bought with points, and their life at the broker.

Imports only `core` and `gamification.ledger`. Lock order, the same on every path, so no two
transactions ever wait on each other in a cycle:

    redemption:  per-user counter row -> the user's ledger account (and lots) -> product row
    revocation:  voucher row -> the user's ledger account
    consume, expiry: voucher rows only;  product edits: the product row only

Redemption never locks a voucher row (it only inserts one), and nothing but redemption locks
counter rows, so the orders cannot cross. Rows are locked `FOR NO KEY UPDATE`, never
`FOR UPDATE`: the foreign-key checks of inserted vouchers and counters take a key-share lock on
the product row, which `FOR UPDATE` would block (and could then deadlock with the stock update).
"""
