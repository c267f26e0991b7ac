"""The llm worker's reported usage is checked before it becomes execution cost (issue 10
item 8): an absurd count from the server is replaced and named in the job's preview."""

from __future__ import annotations

import asyncio
import json

import numpy as np

from diagon.config import compose_config
from diagon.economy.pricing import execution_cost
from diagon.runner import _worker_kwargs
from diagon.tasks.catalogue import load_catalogue
from diagon.workers.base import ExecutionJob, create_worker


def test_absurd_worker_usage_is_bounded_and_named(openai_server) -> None:
    S = openai_server.__class__
    reply = S.tool_calls([("c1", "submit", json.dumps({"summary": "done"}))], 100, 10)
    reply.body["usage"] = {"prompt_tokens": 1e30, "completion_tokens": -4}
    openai_server.queue(reply)
    cfg = compose_config(["worker=llm", "model=compatible", f"model.base_url={openai_server.base_url}",
                          "worker.model_id=fake", "model.max_attempts=1"])
    worker = create_worker("llm", **_worker_kwargs(cfg))
    spec = load_catalogue("builtin")["code-roman-numerals"]
    job = ExecutionJob(listing_id=7, contractor=3, task=spec, tier="sonnet", effort="medium",
                       skills=(), skill_match=False, strategy="")

    async def main():
        try:
            return await worker.execute(job, np.random.default_rng(0))
        finally:
            await worker.aclose()

    out = asyncio.run(main())
    cap = cfg.worker.effort_max_tokens["medium"]
    assert 0 < out.tokens_in < 100_000 and out.tokens_out == cap  # the request's own bounds
    assert out.cost == execution_cost(out.tokens_in, cap, cfg.tiers["sonnet"], cfg.economy.task_multiplier)
    assert "1 usage fault(s)" in out.preview and "input 1e+30 charged as" in out.preview
    assert "output -4 charged as" in out.preview
