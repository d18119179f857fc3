"""The one error type the command line turns into a readable line instead of a stack trace."""


class LkError(Exception):
    """A failure the user can act on; its message is one line that says what to do."""


def first_line(error: BaseException) -> str:
    """The first non-empty line of an error's message (Spark's carry pages of stack trace)."""
    for line in str(error).splitlines():
        if line.strip():
            return line.strip()[:500]
    return type(error).__name__
