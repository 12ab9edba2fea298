"""Rehearsal: a recording against its draft (length, pace, long pauses) and optional
transcription through an OpenAI-compatible endpoint.

May import ``coach.text`` and the shared contract only.
"""
