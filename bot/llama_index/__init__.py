"""factbot as llama-index components: FactbotQueryEngine (a BaseQueryEngine answering with factbot's
whole pipeline) and FactbotEvidencePostprocessor (factbot's evidence selection on any retriever's
nodes). Importing this package imports llama-index."""

from factbot.llama_index.engine import FactbotQueryEngine
from factbot.llama_index.postprocessor import FactbotEvidencePostprocessor

__all__ = ["FactbotEvidencePostprocessor", "FactbotQueryEngine"]
