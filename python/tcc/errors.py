"""The exceptions the frontend raises. Every message names what the user
can act on: the op, their source line, the shapes."""


class TraceError(Exception):
    """A model could not be traced into tcc IR."""


class UnsupportedError(TraceError):
    """Some ops or calls have no tcc equivalent (or are used in a way tcc
    cannot express). Lists every problem of the graph at once.

    problems: [(what, location, detail)], location a "file:line" string or
    None when PyTorch recorded no user frame for the op.
    """

    def __init__(self, problems):
        self.problems = list(problems)
        lines = []
        for what, where, detail in self.problems:
            at = f"{where}: " if where else ""
            lines.append(f"  {at}{what}" + (f": {detail}" if detail else ""))
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"the model cannot be traced into tcc ({count} "
                         f"{noun}):\n" + "\n".join(lines))


class InputSpecError(TraceError):
    """A command-line input specification is malformed."""
