"""`RetryingModel`: retries transient failures and invalid output with seeded backoff."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

import msgspec
import numpy as np

from diagon.models.errors import InvalidOutput, RetryExhausted, TransientModelError
from diagon.models.types import LanguageModel, ModelRequest, ModelResponse, Usage
from diagon.models.wrapper import ModelWrapper

#: HTTP statuses worth retrying besides 5xx: request timeout, rate limit.
RETRY_STATUSES = frozenset({408, 429})


def is_retryable(exc: BaseException) -> bool:
    """True for timeouts, connection errors, HTTP 408/429/5xx and invalid output.

    SDK errors of ``openai`` and ``anthropic`` are recognised only if that SDK is already
    imported (it is whenever it raised), so this never imports an SDK itself.
    """
    if isinstance(exc, InvalidOutput | TransientModelError | TimeoutError | ConnectionError):
        return True
    for name in ("openai", "anthropic"):
        sdk = sys.modules.get(name)
        if sdk is None:
            continue
        if isinstance(exc, sdk.APIConnectionError):  # includes APITimeoutError
            return True
        if isinstance(exc, sdk.APIStatusError):
            status = exc.status_code
            return status in RETRY_STATUSES or status >= 500
    return False


class RetryingModel(ModelWrapper):
    """Up to ``max_attempts`` tries; exponential backoff with jitter between them.

    The delay before retry ``k`` (1-based) is ``min(backoff_max_s, backoff_base_s * 2**(k-1))``
    scaled by a jitter factor in [0.5, 1) drawn from ``rng`` (seeded, injectable). A
    ``validate(response)`` callback raising :class:`InvalidOutput` makes an attempt fail
    and be retried. Non-retryable errors (HTTP 400, 401, ...) propagate at once; when every
    attempt fails, :class:`RetryExhausted` is raised from the last error.

    Deadlines are per attempt: each backend request is cut off at the backend's
    ``timeout_s`` of wall clock (:class:`~diagon.models.errors.CallTimeout`, retried), and
    ``attempt_timeout_s`` can bound an attempt here too; so a logical call takes at most
    ``max_attempts`` x the attempt deadline plus the backoff sleeps (each <= ``backoff_max_s``).

    The returned response carries ``retries`` (attempts - 1), ``last_error`` (the last
    retried error) and ``usage`` summed over every attempt that produced an answer,
    since rejected answers are billed too.
    """

    def __init__(
        self,
        inner: LanguageModel,
        *,
        max_attempts: int = 5,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 30.0,
        rng: np.random.Generator | None = None,
        seed: int = 0,
        validate: Callable[[ModelResponse], object] | None = None,
        retryable: Callable[[BaseException], bool] = is_retryable,
        attempt_timeout_s: float | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        super().__init__(inner)
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.validate = validate
        self.retryable = retryable
        self.attempt_timeout_s = attempt_timeout_s
        self.sleep = sleep

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based); draws one jitter."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2 ** (retry - 1))
        return ceiling * (0.5 + 0.5 * float(self.rng.random()))

    async def _attempt(self, request: ModelRequest) -> ModelResponse:
        call = self.inner.generate(request)
        if self.attempt_timeout_s is None:
            return await call
        return await asyncio.wait_for(call, self.attempt_timeout_s)

    async def generate(self, request: ModelRequest) -> ModelResponse:
        """Call the inner model until an attempt succeeds (and validates) or tries run out."""
        billed = Usage()
        last_error: BaseException | None = None
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                await self.sleep(self.backoff(attempt - 1))
            try:
                response = await self._attempt(request)
                billed = billed + response.usage
                if self.validate is not None:
                    self.validate(response)
            except Exception as exc:
                rejected = getattr(exc, "usage", None)  # an answer rejected below us is billed
                if isinstance(rejected, Usage):
                    billed = billed + rejected
                if not self.retryable(exc):
                    raise
                last_error = exc
                continue
            return msgspec.structs.replace(
                response,
                usage=billed,
                retries=attempt - 1,
                last_error=_describe(last_error),
            )
        assert last_error is not None
        raise RetryExhausted(self.max_attempts, last_error, billed) from last_error


def _describe(exc: BaseException | None) -> str | None:
    return None if exc is None else f"{type(exc).__name__}: {exc}"
