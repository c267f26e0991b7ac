"""``llm``: a tool-using worker on the :class:`~diagon.models.LanguageModel` protocol.

Per contract: a fresh sandbox with the task's files (plus the skill package on a skill
match), then a loop of at most ``worker.max_turns`` model turns within ``worker.timeout_s``
seconds of wall clock, counted from the job's start (sandbox setup included): each model
call is cancelled at the deadline and each tool command gets only the time left, so its
process tree is killed there; a reply's later tool calls do not start after it. The
verifier then scores the work dir under its own time limit. Each turn the model calls tools (:mod:`diagon.workers.tools`: shell, python,
read/write/list files, submit) that run in the sandbox; ``submit``, the turn limit, the
timeout or the effort's token budget ends the loop; the worker's files are then copied out
and the task's evaluator scores them in a fresh verification sandbox
(:func:`diagon.tasks.run.verify`).

- **tier** picks the model id: ``tiers.<tier>.models.<backend>``, else ``worker.model_id``
  (``local`` needs none: llama.cpp serves one model).
- **effort** picks the per-call output cap ``worker.effort_max_tokens[effort]`` and the
  job's token budget ``worker.effort_token_budget[effort]``.
- **cost** = tokens at the tier's price × m (``economy.pricing.execution_cost``), charged to
  the contractor by the market as ``ExecutionOutcome.cost`` (micro-dollars).
- **tool mode**: ``native`` function calling, or ``json`` — one JSON action
  ``{"tool", "arguments"}`` per reply, enforced by the response schema (llama.cpp turns
  it into a grammar, so even SmolLM2 stays in the protocol). ``auto`` = json for ``local``
  and for backends configured with ``model.tools=false``.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import sys
import time
from typing import Any

import numpy as np

from diagon.config.schema import TierConfig, WorkerConfig
from diagon.economy.pricing import execution_cost
from diagon.models import (
    LanguageModel,
    Message,
    ModelRequest,
    ModelResponse,
    ToolCall,
    Usage,
    aclose_model,
)
from diagon.tasks.base import EvalResult, Task
from diagon.tasks.run import backend_name, collect, open_task_sandbox, verify
from diagon.tasks.skills import inject_skills
from diagon.workers.base import ExecutionJob, ExecutionOutcome, WorkerUnavailable, worker
from diagon.workers.sandboxed import SandboxedWorkerBase, outcome, output_preview
from diagon.workers.tools import ACTION_SCHEMA, TOOLS, clip, describe_tools, run_tool

SYSTEM = """\
You are a worker hired to complete one task. You work alone in a sandboxed work dir (no
network) holding the task's files; your deliverables are the files you leave there, scored
by hidden tests after you finish. Work step by step with the tools, check your results, and
call submit when the deliverables are written.{tools}{skills}"""
JSON_TOOLS = """

Reply with exactly one JSON object per turn: {{"tool": NAME, "arguments": {{...}}}}.
Tools:
{tools}"""
NUDGE = "Use a tool to continue, or call submit when the deliverables are written."
LOCAL_MODEL_ID = "smollm2-135m-instruct"


class WorkerModelError(ValueError):
    """The llm worker cannot pick or build its model from the configuration."""


def worker_model_id(tiers: dict[str, TierConfig], worker_cfg: WorkerConfig, backend: str, tier: str) -> str:
    """The model id the worker uses for ``tier`` on ``backend`` (module docstring)."""
    found = tiers[tier].models.get(backend) or worker_cfg.model_id
    if found:
        return found
    if backend in ("local", "scripted"):
        return LOCAL_MODEL_ID if backend == "local" else "scripted"
    raise WorkerModelError(
        f"no worker model for tier {tier!r} on backend {backend!r}: set "
        f"tiers.{tier}.models.{backend} or worker.model_id"
    )


def uses_json_actions(worker_cfg: WorkerConfig, model: Any) -> bool:
    """Whether the loop asks for one JSON action per reply instead of native tool calls
    (``worker.tool_mode``: json, or auto on a backend without tool use such as local)."""
    backend = model.backend if model is not None else "scripted"
    native_tools = backend != "local" and bool(getattr(model, "tools", True))
    return worker_cfg.tool_mode == "json" or (worker_cfg.tool_mode == "auto" and not native_tools)


#: SDK error classes (``openai``/``anthropic``) meaning the model cannot be used at all.
_UNAVAILABLE_SDK_ERRORS = ("APIConnectionError", "AuthenticationError", "PermissionDeniedError", "NotFoundError")


def model_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or its cause, or the last error of exhausted retries) says the
    model is unreachable or unusable (connection refused or timed out, bad or missing key,
    unknown model, missing SDK), as opposed to an error about one request."""
    from diagon.models.errors import (
        CallTimeout,
        ConfigurationError,
        MissingCredentialsError,
        MissingDependencyError,
        UnknownBackendError,
    )

    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, MissingCredentialsError | MissingDependencyError | ConfigurationError | UnknownBackendError):
            return True
        if isinstance(e, ConnectionError | CallTimeout):  # CallTimeout: as the SDKs' APITimeoutError
            return True
        for name in ("openai", "anthropic"):
            sdk = sys.modules.get(name)
            if sdk is not None and any(
                isinstance(e, cls) for cls in (getattr(sdk, n, None) for n in _UNAVAILABLE_SDK_ERRORS) if cls
            ):
                return True
        todo += [getattr(e, "last_error", None), e.__cause__]
    return False


def _build_model(model_cfg: Any) -> LanguageModel:
    from diagon.models import RetryingModel, create_model

    backend = model_cfg.backend
    if backend == "scripted":
        raise WorkerModelError(
            "worker=llm needs a real model backend (model=local|openai|anthropic|openrouter|"
            "compatible); model=scripted has no worker model"
        )
    options: dict[str, Any] = dict(model_cfg.options or {})
    if backend != "local":
        options.setdefault("timeout_s", model_cfg.timeout_s)
    if model_cfg.base_url and backend in ("compatible", "openai", "anthropic", "openrouter"):
        options.setdefault("base_url", model_cfg.base_url)
    if model_cfg.api_key_env is not None and backend != "local":
        options.setdefault("api_key_env", model_cfg.api_key_env)
    model = create_model(backend, **options)
    if hasattr(model, "close"):
        atexit.register(model.close)  # e.g. the local llama.cpp server subprocess
    return RetryingModel(model, max_attempts=model_cfg.max_attempts, backoff_base_s=model_cfg.backoff_s)


class LLMWorker(SandboxedWorkerBase):
    """The tool loop described in the module docstring."""

    def __init__(
        self,
        *,
        tiers: dict[str, TierConfig],
        multiplier: float,
        worker_cfg: WorkerConfig,
        model: Any = None,
        language_model: LanguageModel | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.tiers = tiers
        self.multiplier = multiplier
        self.cfg = worker_cfg
        self.backend = model.backend if model is not None else "scripted"
        if language_model is None and model is None:
            raise WorkerModelError("worker=llm needs a model config or a language_model")
        self.model_ids = {tier: self._model_id(tier) for tier in tiers}
        self.json_mode = uses_json_actions(worker_cfg, model)
        self.temperature = getattr(model, "temperature", None)
        self._model_cfg = model
        self._model = language_model
        if language_model is None and self.backend == "scripted":
            _build_model(model)  # raises the clear "needs a real model backend" error

    def _model_id(self, tier: str) -> str:
        return worker_model_id(self.tiers, self.cfg, self.backend, tier)

    def check_ready(self) -> None:
        """Build the model now (no request is sent): a missing API key, SDK or local model
        raises :class:`WorkerModelError` naming it, before any work."""
        if self._model is not None:
            return
        from diagon.models.errors import ModelError

        try:
            self._model = _build_model(self._model_cfg)
        except (ModelError, ImportError) as exc:
            raise WorkerModelError(f"worker=llm cannot build its {self.backend!r} model: {exc}") from exc

    def describe_model(self, tier: str) -> str:
        """``backend model-id [at base_url]`` of ``tier`` (for error messages)."""
        url = getattr(self._model_cfg, "base_url", None)
        return f"{self.backend} {self.model_ids[tier]}" + (f" at {url}" if url else "")

    @property
    def model(self) -> LanguageModel:
        """The language model, built on first use."""
        if self._model is None:
            self._model = _build_model(self._model_cfg)
        return self._model

    async def aclose(self) -> None:
        """Close the model this worker built (HTTP clients, the local llama.cpp server)."""
        model, self._model = self._model, None
        if model is not None and self._model_cfg is not None:
            await aclose_model(model)

    async def execute(self, job: ExecutionJob, rng: np.random.Generator) -> ExecutionOutcome:
        task = self.task_for(job)
        start = time.monotonic()
        deadline = start + float(self.cfg.timeout_s)
        # the sandbox calls block; they run in threads while the model calls stay async
        with open_task_sandbox(task, self.sandbox) as box:
            skills = ""
            if self.cfg.skills and job.skill_match and job.skills:
                skills = await asyncio.to_thread(inject_skills, box, job.skills)
            usage, note, turns = await self._loop(job, task, box, skills, deadline)
            preview = await asyncio.to_thread(output_preview, box, task, note)
            outputs = await asyncio.to_thread(collect, task, box)
            backend = backend_name(box)
        # verified in a fresh sandbox once every process of the worker's is gone
        result = (
            outputs
            if isinstance(outputs, EvalResult)
            else await asyncio.to_thread(verify, task, outputs, backend)
        )
        cost = execution_cost(usage.input_tokens, usage.output_tokens, self.tiers[job.tier], self.multiplier)
        return outcome(
            result,
            preview=preview,
            duration_s=time.monotonic() - start,
            tokens_in=usage.input_tokens,
            tokens_out=usage.output_tokens,
            cost=cost,
            detail_prefix=f"llm {job.tier}/{job.effort}, {turns} turns: ",
        )

    async def _loop(
        self, job: ExecutionJob, task: Task, box: Any, skills: str, deadline: float
    ) -> tuple[Usage, str, int]:
        tools = JSON_TOOLS.format(tools=describe_tools()) if self.json_mode else ""
        skill_text = f"\n\n# Skills\n\n{skills}" if skills else ""
        messages = [
            Message.system(SYSTEM.format(tools=tools, skills=skill_text)),
            Message.user(task.instruction),
        ]
        usage, budget = Usage(), self.cfg.effort_token_budget[job.effort]
        limit = 1500 if self.json_mode else 6000
        note, turn = "", 0
        faults: list[str] = []
        timed_out = f"stopped: worker timeout ({self.cfg.timeout_s:g} s)"
        for turn in range(1, self.cfg.max_turns + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                note = timed_out
                break
            if usage.input_tokens + usage.output_tokens >= budget:
                note = "stopped: token budget exhausted"
                break
            try:
                response = await asyncio.wait_for(self._generate(job, messages), remaining)
            except TimeoutError:
                note = timed_out
                break
            except Exception as exc:  # noqa: BLE001 - any API error ends the job, not the market
                if model_unavailable(exc):
                    # ... unless the model cannot be used at all: scoring the untouched work
                    # dir would record (and cache) a q = 0 that no model produced
                    raise WorkerUnavailable(
                        f"worker=llm cannot use its model ({self.describe_model(job.tier)}) for tier"
                        f" {job.tier!r}: {type(exc).__name__}: {str(exc)[:300]}"
                    ) from exc
                # e.g. a context-length 400 or retries exhausted: the deliverable is
                # whatever the work dir holds now, and the reason reaches the event detail
                note = f"stopped: model error: {type(exc).__name__}: {str(exc)[:300]}"
                break
            usage = usage + response.usage
            if response.usage_fault:  # corrected by the backend; the job's preview says so
                faults.append(response.usage_fault)
            calls = self._calls(response, turn)
            # json mode keeps the raw action text; native mode the structured tool calls
            messages.append(Message.assistant(response.text, () if self.json_mode else calls))
            if not calls:
                messages.append(Message.user(NUDGE))
                continue
            done = False
            for call in calls:
                left = deadline - time.monotonic()
                if left <= 0:  # later calls of this reply never start
                    note, done = timed_out, True
                    break
                # the tool gets what is left of the job: a hanging command is killed at the deadline
                out = await asyncio.to_thread(run_tool, box, call.name, call.arguments, left, limit)
                if self.json_mode:
                    messages.append(Message.user(f"Result of {call.name}:\n{out.text}"))
                else:
                    messages.append(Message.tool_result(call.id, out.text, call.name))
                if out.submitted:
                    note, done = str(call.arguments.get("summary", "")), True
            if done:
                break
        if faults:
            note = f"{note} [{len(faults)} usage fault(s); last: {faults[-1]}]".strip()
        return usage, clip(note, 600), turn

    async def _generate(self, job: ExecutionJob, messages: list[Message]) -> ModelResponse:
        request = ModelRequest(
            model=self.model_ids[job.tier],
            messages=tuple(self._window(messages)),
            tools=() if self.json_mode else TOOLS,
            response_schema=ACTION_SCHEMA if self.json_mode else None,
            max_output_tokens=self.cfg.effort_max_tokens[job.effort],
            temperature=self.temperature,
            metadata={"agent": job.contractor, "decision": "worker", "listing": job.listing_id},
        )
        return await self.model.generate(request)

    def _window(self, messages: list[Message]) -> list[Message]:
        # json mode serves small local models: keep the prompt, the task and the last steps
        if not self.json_mode or len(messages) <= 8:
            return messages
        return messages[:2] + messages[-6:]

    def _calls(self, response: ModelResponse, turn: int) -> tuple[ToolCall, ...]:
        if not self.json_mode:
            return tuple(response.tool_calls)
        try:
            action = json.loads(response.text)
            name, args = str(action["tool"]), action.get("arguments") or {}
        except (ValueError, KeyError, TypeError):
            return ()
        return (ToolCall(id=f"action-{turn}", name=name, arguments=args if isinstance(args, dict) else {}),)


@worker("llm")
def _llm(**kwargs: Any) -> LLMWorker:
    return LLMWorker(**kwargs)
