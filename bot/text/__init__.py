"""Text knowledge in one home: sentence spans, word/number/name matching, [n] citation markers."""
