"""Coaching: from a Report to feedback a writer can act on — next steps, questions and cited
guidance — plus the story builder's questions and the optional LLM coach.

May import ``coach.text``, ``coach.scoring`` (the rubric and Report), the library's search
interface and the shared contract. Never imports storage: callers save what it produces.
"""
