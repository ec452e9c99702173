"""Presentation: the command line, the web UI and their rendering."""
