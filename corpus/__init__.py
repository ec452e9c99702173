"""The bundled news articles, shipped with the package as data (the default corpus)."""
