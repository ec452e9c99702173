"""The local model: loading it (llm), prompt files (prompts), and the only calls to it (generate)."""
