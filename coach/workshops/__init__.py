"""Workshops: many drafts scored as one review (batch scoring, tables) and its exports
(CSV, JSON, printable HTML).

May import ``coach.scoring``, ``coach.coaching``, ``coach.storage`` and the shared contract.
"""
