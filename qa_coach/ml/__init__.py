"""Model adapters: embeddings, sentiment, speech recognition. Heavy imports live here."""
