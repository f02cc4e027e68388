"""Model adapters: embeddings, sentiment, speech recognition. Heavy imports live here.

Importing this package changes nothing in the process: every model loads from a local
path (``local_files_only=True`` where transformers is asked), and the entry points set
the thread wait policy themselves (:func:`qa_coach.settings.set_thread_wait_policy`).
"""
