"""The error types that reach the user, each with the exit code the CLI documents.

Messages are one line, name the file, template or document at fault, and never quote a
document's content (it may be a Secret).
"""

EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_TOOL = 3
EXIT_INTERNAL = 4


class HardenError(Exception):
    """An error the CLI reports as one line and turns into ``exit_code``."""

    exit_code = EXIT_USAGE


class UsageError(HardenError):
    """A command line that cannot be run as given; reported with a pointer to the command's help."""


class InputError(HardenError):
    """Unreadable or malformed input: a file, a template's output, stdin."""


class OutputError(HardenError):
    """A report or baseline file that cannot be written."""


class ConfigError(HardenError):
    """A bad configuration file or option."""


class ToolError(HardenError):
    """helm or kustomize is missing or failed; ``stderr`` holds its full error output."""

    exit_code = EXIT_TOOL

    def __init__(self, message: str, stderr: str = ""):
        super().__init__(message)
        self.stderr = stderr


class InternalError(HardenError):
    """A bug in helm-harden itself, e.g. a fix that did not repair what it claimed to."""

    exit_code = EXIT_INTERNAL
