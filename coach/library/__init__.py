"""Library: source documents into passages in a vector store, and cited search over them
(hybrid vector + BM25 with a learned ranker), with its retrieval evaluation.

May import ``coach.text`` and the shared contract. Never imports scoring, coaching or storage.
"""
