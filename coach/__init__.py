"""Narrative Coach: score, coach and rehearse public narratives, offline first.

The pipeline, in one line: text -> Draft -> signals -> Report -> feedback.
This package never imports Streamlit; the app and the CLI are thin shells over it.
"""

__version__ = "0.1.0"
