"""The exit-status contract of every runner (sr-run, srref, the QEMU runner,
the upstream runner), and the typed result of one trace on one
implementation.

    0 ran to its end or to a panic        3 broken invariant (--check)
    1 usage or internal error             4 unreadable input
    2 malformed trace (FILE:LINE: why)    5 the implementation crashed or hung
"""
import enum


class Status(enum.IntEnum):
    OK = 0
    USAGE = 1
    MALFORMED = 2
    INVARIANT = 3
    UNREADABLE = 4
    CRASH = 5

    @classmethod
    def of_exit(cls, code):
        """The status of a runner's exit code (a signal is a crash)."""
        try:
            return cls(code)
        except ValueError:
            return cls.CRASH


class Result:
    """What one implementation made of one trace: its status, result stream
    (bytes, or None when only the status is known) and error stream."""

    __slots__ = ("status", "out", "err")

    def __init__(self, status, out=b"", err=b""):
        self.status = Status(status)
        self.out = out
        self.err = err

    def describe(self):
        """The status as a report shows it: a crash with its reason."""
        if self.status == Status.CRASH:
            why = self.err.decode("utf-8", "replace").strip().splitlines()
            return "crash: %s" % (why[-1] if why else "no reason given")
        return self.status.name.lower()

    def __repr__(self):
        return "Result(%s, %d bytes out, %r)" % (self.status.name, len(self.out or b""), self.err[:80])
