"""Leaf modules every stage shares: configuration, errors, the typed objects passed between stages."""
