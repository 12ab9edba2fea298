"""Scoring: a Draft into a Report against the rubric (criteria, evidence spans, overall),
and the agreement of Reports with human labels.

May import ``coach.text`` and the shared contract. Never imports the library, storage,
coaching, workshops or the CLI: a score never depends on what the library holds.
"""
