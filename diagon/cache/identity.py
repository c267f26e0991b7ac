"""The key material that makes a replay current: who executed a tier, which task version.

Besides (worker kind, task, tier, skill match, effort), a cache key (:mod:`diagon.cache.keys`)
holds

* ``executor`` — what actually executes a tier, as canonical JSON:

  - ``llm``: ``{"backend": model.backend, "model": <the tier's model id>, "loop": ...}``
    (the id :func:`diagon.workers.llm.worker_model_id` picks: ``tiers.<tier>.models.<backend>``,
    else ``worker.model_id``; ``loop`` is :func:`worker_loop_version`: prompt, tools,
    limits, tool mode, skills, temperature), plus ``"model_path"`` when
    ``model.options.model_path`` selects another local GGUF, and ``"sandbox"``. Endpoint
    details (``base_url``, keys, request timeouts) are not part of it;
  - ``synthetic``: ``{"quality_shift": tiers.<tier>.quality_shift, "params": <sha256 of
    the quality model's parameters in worker.synthetic>}`` (it runs nothing: no sandbox);
  - any other worker (``oracle``, ``noop``): ``{"sandbox": ...}`` (the reference solution
    they apply is part of the task version). No LLM setting enters their key.

  ``sandbox`` is the configured sandbox backend (``sandbox.backend``): what the worker could
  see and reach differs between them (``subprocess`` isolates nothing: its outcomes are
  never replayed for a ``bwrap`` or ``docker`` run). A task that requires its own backend
  (SkillsBench: docker) runs there whatever the configuration.

* ``task_version`` — the version of the task as the worker sees it:

  - real workers: :func:`diagon.tasks.digest.task_digest` of the executable task
    (instruction, input files, verifier, reference solution, environment); for ``llm`` on
    a skill match combined with the digest of the cluster's skill package, which the
    worker receives then;
  - ``synthetic`` (which never runs the task): the sha256 of the economic facts it draws
    from (difficulty, p_k, c_k).

Every real task version includes the verifier isolation version
(:data:`diagon.tasks.digest.VERIFIER_ISOLATION`), so entries scored by a verifier path that
was since found exploitable never match again; ``KeyMaterial(kind, isolation=n)`` gives
the versions they were stored under at an earlier version ``n`` (``diagon cache stats``/``verify`` report them).

Task versions are memoised per task for the life of the process (and per
:class:`KeyMaterial`), so a lookup costs two dictionary reads and one sha256.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from diagon.cache.keys import canonical_json, sha256_hex
from diagon.tasks.catalogue import TaskSpec

if TYPE_CHECKING:
    from diagon.config.schema import DiagonConfig

VERSION_CHARS = 32
#: worker.synthetic fields that are bookkeeping, not part of the quality model
_SYNTHETIC_BOOKKEEPING = ("calibrate_from_cache", "calibrate_worker", "calibration_prior", "calibrated_from")


def executor_identity(cfg: DiagonConfig, tier: str) -> str:
    """The ``executor`` key material of ``tier`` for the run's worker (module docstring).

    Raises the worker's own configuration error (e.g. no model id for the tier) when it
    cannot be determined: such a run could not execute anything either.
    """
    kind = cfg.worker.kind
    if kind == "llm":
        from diagon.workers.llm import worker_model_id

        backend = cfg.model.backend
        ident: dict[str, Any] = {
            "backend": backend,
            "model": worker_model_id(cfg.tiers, cfg.worker, backend, tier),
            "loop": worker_loop_version(cfg),
        }
        model_path = (cfg.model.options or {}).get("model_path")
        if backend == "local" and model_path:
            ident["model_path"] = str(model_path).rsplit("/", 1)[-1]
        return canonical_json({**ident, "sandbox": cfg.sandbox.backend})
    if kind == "synthetic":
        params = {k: v for k, v in asdict(cfg.worker.synthetic).items() if k not in _SYNTHETIC_BOOKKEEPING}
        return canonical_json(
            {"quality_shift": float(cfg.tiers[tier].quality_shift), "params": sha256_hex(params)[:16]}
        )
    return canonical_json({"sandbox": cfg.sandbox.backend})


def worker_loop_version(cfg: DiagonConfig) -> str:
    """sha256 (16 hex digits) of what shapes the ``llm`` worker's loop besides the model:
    its system prompt and tools, turn and time limits, effort token limits, tool mode,
    skills and sampling temperature. Changing any of them changes outcomes, so a cache
    entry made under other settings is not replayed."""
    from diagon.workers.llm import SYSTEM, uses_json_actions
    from diagon.workers.tools import TOOLS

    w = cfg.worker
    return sha256_hex({
        "system": SYSTEM,
        "tools": [[t.name, t.description, t.parameters] for t in TOOLS],
        "max_turns": w.max_turns,
        "timeout_s": w.timeout_s,
        "effort_max_tokens": w.effort_max_tokens,
        "effort_token_budget": w.effort_token_budget,
        "json_actions": uses_json_actions(w, cfg.model),
        "skills": w.skills,
        "temperature": cfg.model.temperature,
    })[:16]


def spec_version(task: TaskSpec) -> str:
    """The synthetic worker's task version: the economic facts it draws outcomes from."""
    facts = {"difficulty": float(task.difficulty), "pass_rate": float(task.pass_rate), "reference_cost": int(task.reference_cost)}
    return sha256_hex(facts)[:VERSION_CHARS]


class KeyMaterial:
    """Executor identities per tier and memoised task versions for one worker kind."""

    def __init__(
        self,
        worker_kind: str,
        executors: Mapping[str, str] | None = None,
        task_paths: Mapping[str, str] | None = None,
        *,
        isolation: int | None = None,
    ) -> None:
        self.worker_kind = worker_kind
        self.isolation = isolation  # None: the current verifier isolation version
        self.executors = dict(executors or {})
        self._paths = dict(task_paths or {})
        self._resolver: Any = None
        self._versions: dict[tuple[str, str, bool], str] = {}

    @classmethod
    def from_config(cls, cfg: DiagonConfig) -> KeyMaterial:
        from diagon.tasks.catalogue import source_paths

        executors = {tier: executor_identity(cfg, tier) for tier in cfg.tiers}
        return cls(cfg.worker.kind, executors, source_paths(cfg.tasks))

    def executor(self, tier: str) -> str:
        return self.executors.get(tier, "")

    def task_version(self, task: TaskSpec, skill_match: bool = False) -> str:
        """The task's version for this worker kind (memoised; module docstring)."""
        uses_skills = self.worker_kind == "llm" and bool(skill_match)
        memo = (task.source, task.id, uses_skills)
        found = self._versions.get(memo)
        if found is None:
            found = self._versions[memo] = self._compute(task, uses_skills)
        return found

    def _compute(self, task: TaskSpec, uses_skills: bool) -> str:
        if self.worker_kind == "synthetic":
            return spec_version(task)
        from diagon.tasks.digest import isolation_digest, skills_digest, task_digest

        if self._resolver is None:
            from diagon.tasks.registry import TaskResolver

            self._resolver = TaskResolver(self._paths)
        resolved = self._resolver.get(task.source, task.id)
        digest = (
            task_digest(resolved)
            if self.isolation is None
            else isolation_digest(resolved, self.isolation)
        )
        if uses_skills:
            digest = sha256_hex({"task": digest, "skills": skills_digest(task.cluster)})[:VERSION_CHARS]
        return digest
