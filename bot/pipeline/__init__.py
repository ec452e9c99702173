"""FactBot: conducts the stages for one corpus, one index and one model."""
