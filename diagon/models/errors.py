"""Errors raised by the `LanguageModel` layer; all derive from :class:`ModelError`."""

from __future__ import annotations

from diagon.models.types import Usage


class ModelError(Exception):
    """Base class of every error raised by ``diagon.models``."""


class MissingDependencyError(ModelError, ImportError):
    """A backend's SDK is not installed."""

    def __init__(self, backend: str, package: str, hint: str | None = None) -> None:
        hint = hint or "pip install 'diagon[llm]'"
        super().__init__(
            f"the '{backend}' model backend needs the '{package}' package, which is not "
            f"installed: {hint}"
        )
        self.backend = backend
        self.package = package


class MissingCredentialsError(ModelError):
    """The environment variable holding a backend's API key is unset or empty."""

    def __init__(self, backend: str, variable: str) -> None:
        super().__init__(
            f"the '{backend}' model backend needs an API key in the environment variable "
            f"{variable}, which is not set"
        )
        self.backend = backend
        self.variable = variable


class UnknownBackendError(ModelError, KeyError):
    """No backend is registered under the requested name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConfigurationError(ModelError, ValueError):
    """A backend or wrapper was configured inconsistently (e.g. no base_url)."""


class TransientModelError(ModelError):
    """A failure worth retrying (used by fakes and backends without an SDK error type)."""


class CallTimeout(TransientModelError, TimeoutError):
    """No complete reply within the backend's ``timeout_s`` of wall-clock time.

    The SDKs' own timeouts bound each network read, so a server that drips one byte a
    second never trips them; this deadline covers the whole request, connect to last byte.
    Retryable, like any timeout.
    """


class InvalidOutput(ModelError):
    """The model's output is unusable: unparseable JSON, schema violation, bad tool args.

    Raised by backends and by ``validate`` callbacks; :class:`RetryingModel` retries it.
    """


class RetryExhausted(ModelError):
    """Every attempt of :class:`RetryingModel` failed; ``last_error`` is the final cause.

    ``usage`` sums the tokens of attempts that produced a (rejected) answer.
    """

    def __init__(self, attempts: int, last_error: BaseException, usage: Usage | None = None) -> None:
        super().__init__(
            f"model call failed after {attempts} attempts; last error: "
            f"{type(last_error).__name__}: {last_error}"
        )
        self.attempts = attempts
        self.last_error = last_error
        self.usage = usage if usage is not None else Usage()


class BudgetExceeded(ModelError):
    """Even the estimated input of a request costs more than the per-call budget."""


class ScriptExhausted(ModelError):
    """The scripted fake was asked for more responses than its script holds."""


class ReplayMiss(ModelError, LookupError):
    """A replayed run asked for a request that the recording does not contain."""


class RecordingCorrupted(ModelError):
    """A recording file has a line that cannot be read; the message names file and line."""
