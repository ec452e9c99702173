"""Errors raised at factbot's boundaries. Every message says what to do next."""


class FactbotError(Exception):
    """Base class: the CLI maps it to a one-line message, the UI shows it in the chat."""


class BadInput(FactbotError):
    """The question, claim or file the caller gave cannot be used (CLI exit code 2)."""


class IndexMissing(FactbotError):
    """No index has been built in the configured data directory."""


class IndexCorrupt(FactbotError):
    """The index directory exists but cannot be opened as a factbot index."""


class NoPermission(FactbotError):
    """factbot may not read or write a file or folder it needs; nothing destructive is advised."""


class ModelUnavailable(FactbotError):
    """The local model cannot be assembled or started, or the endpoint is unreachable."""
