"""Reuse the loopback OpenAI-protocol server of ``tests/models/conftest.py``."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_spec = importlib.util.spec_from_file_location(
    "diagon_test_model_servers", Path(__file__).parents[1] / "models" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
servers: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(servers)


@pytest.fixture
def openai_server() -> Iterator[Any]:
    server = servers.OpenAIServer()
    yield server
    server.shutdown()


@pytest.fixture
def run_llm_job(openai_server: Any) -> Any:
    """``run(task_id="code-roman-numerals", *overrides)``: one job of the ``llm`` worker on a
    builtin task with ``openai_server`` as its model; returns ``(outcome, config)``."""
    return lambda task_id="code-roman-numerals", *overrides: _llm_job(openai_server, task_id, *overrides)


def _llm_job(server: Any, task_id: str, *overrides: str) -> Any:
    import asyncio

    import numpy as np

    from diagon.config import compose_config
    from diagon.runner import _worker_kwargs
    from diagon.tasks.catalogue import load_catalogue
    from diagon.workers.base import ExecutionJob, create_worker

    cfg = compose_config(["worker=llm", "model=compatible", f"model.base_url={server.base_url}",
                          "worker.model_id=fake", "model.max_attempts=1", *overrides])  # fmt: skip
    worker = create_worker("llm", **_worker_kwargs(cfg))
    job = ExecutionJob(listing_id=7, contractor=3, task=load_catalogue("builtin")[task_id],
                       tier="sonnet", effort="medium", skills=(), skill_match=False, strategy="")  # fmt: skip

    async def main() -> Any:
        try:
            return await worker.execute(job, np.random.default_rng(0))
        finally:
            await worker.aclose()

    return asyncio.run(main()), cfg
