"""Outcomes: the activity events the domains write, the surveys and broker facts, and the
client-service measures computed over them (rolled up daily into month-grained tables)."""
