"""Text knowledge in one home: sentence spans (sentences), word/number/name matching (matching),
[n] citation markers (markers), closed-class word lists (words), the NLTK data folder (nltk_data)."""
