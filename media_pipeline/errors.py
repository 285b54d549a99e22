"""Errors raised by the media pipeline."""


class InvalidMedia(Exception):
    """A file that cannot be used as a clip; ``str(exc)`` is one line a staff member can act on.

    It is permanent: retrying the same bytes gives the same answer.
    """
