"""Finding traces on disk."""
import os


class NoTrace(Exception):
    pass


def find_traces(paths):
    """The *.trace files under each path (a file is taken as given, even
    without the suffix), sorted, each once."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            for d, _, files in os.walk(p):
                out += [os.path.join(d, f) for f in files if f.endswith(".trace")]
        elif os.path.exists(p) or os.path.islink(p):
            out.append(p)
        else:
            raise NoTrace("no such file or directory: %s" % p)
    return sorted(set(out))
