"""One module per chat-log format; see :data:`qa_coach.ingest.FORMATS`."""
