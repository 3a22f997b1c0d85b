"""HTTP routes of the paper-trading contests."""
