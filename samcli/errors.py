"""Errors a user can act on. The CLI prints their message, never a traceback."""


class SamcliError(Exception):
    """Base class: the message says what went wrong and what to do."""


class CheckpointError(SamcliError):
    pass


class InputError(SamcliError):
    """Bad image, prompt file or argument; the message names the file/item."""


def describe(exc: BaseException) -> str:
    """One line for a user: a SamcliError's own words, anything else with its type
    (a bare "0" or "'x'" from a KeyError says nothing)."""
    return str(exc) if isinstance(exc, SamcliError) else f"{exc.__class__.__name__}: {exc}"
