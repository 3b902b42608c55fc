"""Use cases: each takes the session and does one piece of the unit's work in one transaction."""
