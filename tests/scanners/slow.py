"""Functions the sandbox tests run in a child process, importable there by name."""


def spin(*_args):
    """Use CPU until stopped, in Python (the soft CPU limit's signal reaches it)."""
    while True:
        pass


def hog(*_args):
    """Ask for a gigabyte."""
    return len(bytearray(1024**3))
