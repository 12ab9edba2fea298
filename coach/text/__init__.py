"""Text: raw text into a Draft (sentences with offsets, paragraphs, language, speaking time) and
sentence vectors.

Shared by scoring, library, coaching and rehearsal. Imports only the shared contract
(``coach.errors``, ``coach.settings``, ``coach.report``).
"""
