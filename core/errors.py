"""The one error type the command line turns into a readable line instead of a stack trace."""


class LkError(Exception):
    """A failure the user can act on; its message is one line that says what to do."""


def first_line(error: BaseException) -> str:
    """The first non-empty line of an error's message (Spark's carry pages of stack trace)."""
    for line in str(error).splitlines():
        if line.strip():
            return line.strip()[:500]
    return type(error).__name__


class NotRetryable(LkError):
    """A failure that trying again cannot fix: a wrong parameter (an unknown logic version, a
    malformed duration) or a job that stopped for good. Airflow fails such a task at once."""


def readable(error: BaseException) -> str | None:
    """The one line a user sees for an error we expect (ours, or one of Spark's, which arrive as
    PySpark or Py4J exceptions with pages of stack trace), or None for a bug (show its trace)."""
    if isinstance(error, LkError):
        return str(error)
    if type(error).__module__.split(".")[0] in ("pyspark", "py4j"):
        return f"Spark failed: {first_line(error)}"
    return None
