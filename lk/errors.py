"""The one error type the command line turns into a readable line instead of a stack trace."""


class LkError(Exception):
    """A failure the user can act on; its message is one line that says what to do."""
