"""Errors a user can act on. The CLI prints their message, never a traceback."""


class SamcliError(Exception):
    """Base class: the message says what went wrong and what to do."""


class CheckpointError(SamcliError):
    pass


class InputError(SamcliError):
    """Bad image, prompt file or argument; the message names the file/item."""
