"""Reports: the console lines of `diff`/`check` and a JUnit XML file."""
import sys
import xml.sax.saxutils as sx


class Case:
    """One trace's verdict: name, list of report lines (empty = pass),
    whether it was skipped (and why), and seconds spent."""
    __slots__ = ("name", "lines", "skipped")

    def __init__(self, name, lines=None, skipped=None):
        self.name = name
        self.lines = lines or []
        self.skipped = skipped

    @property
    def failed(self):
        return bool(self.lines)


class Console:
    """PASS/DIFF lines as traces are judged; a progress counter on a TTY
    with --quiet; the closing `N passed, N failed` line."""

    def __init__(self, quiet, total, fail_word="DIFF", out=sys.stdout):
        self.quiet, self.total, self.fail_word, self.out = quiet, total, fail_word, out
        self.tty = out.isatty()
        self.npass = self.nfail = self.nskip = 0

    def case(self, c, impls=()):
        if c.skipped:
            self.nskip += 1
            if not self.quiet:
                self.out.write("SKIP %s  (%s)\n" % (c.name, c.skipped))
        elif c.failed:
            self.nfail += 1
            self._clear()
            self.out.write("%s %s\n" % (self.fail_word, c.name))
            for line in c.lines:
                self.out.write("     %s\n" % line)
        else:
            self.npass += 1
            if not self.quiet:
                self.out.write("PASS %s%s\n" % (c.name, "  [%s]" % ",".join(impls) if impls else ""))
        if self.quiet and self.tty:
            self.out.write("\r%d/%d" % (self.npass + self.nfail + self.nskip, self.total))
        self.out.flush()

    def _clear(self):
        if self.quiet and self.tty:
            self.out.write("\r\033[K")

    def summary(self, interrupted=False):
        self._clear()
        line = "%d passed, %d failed" % (self.npass, self.nfail)
        if self.nskip:
            line += ", %d skipped" % self.nskip
        if interrupted:
            self.out.write("interrupted after %d of %d trace(s)\n" % (self.npass + self.nfail + self.nskip,
                                                                   self.total))
        self.out.write(line + "\n")
        self.out.flush()


def junit(path, cases, elapsed, suite="srdiff"):
    failures = sum(1 for c in cases if c.failed)
    skipped = sum(1 for c in cases if c.skipped)
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write('<testsuite name=%s tests="%d" failures="%d" skipped="%d" time="%.3f">\n'
                % (sx.quoteattr(suite), len(cases), failures, skipped, elapsed))
        for c in cases:
            f.write('  <testcase classname=%s name=%s>' % (sx.quoteattr(suite), sx.quoteattr(c.name)))
            if c.skipped:
                f.write('<skipped message=%s/>' % sx.quoteattr(c.skipped))
            elif c.failed:
                f.write('<failure message=%s>%s</failure>' % (sx.quoteattr(c.lines[0]), sx.escape("\n".join(c.lines))))
            f.write('</testcase>\n')
        f.write('</testsuite>\n')
