"""The llm worker's reported usage is checked before it becomes execution cost (issue 10
item 8): an absurd count from the server is replaced and named in the job's preview."""

from __future__ import annotations

import json

from diagon.economy.pricing import execution_cost


def test_absurd_worker_usage_is_bounded_and_named(openai_server, run_llm_job) -> None:
    S = openai_server.__class__
    reply = S.tool_calls([("c1", "submit", json.dumps({"summary": "done"}))], 100, 10)
    reply.body["usage"] = {"prompt_tokens": 1e30, "completion_tokens": -4}
    openai_server.queue(reply)
    out, cfg = run_llm_job()
    cap = cfg.worker.effort_max_tokens["medium"]
    assert 0 < out.tokens_in < 100_000 and out.tokens_out == cap  # the request's own bounds
    assert out.cost == execution_cost(out.tokens_in, cap, cfg.tiers["sonnet"], cfg.economy.task_multiplier)
    assert "1 usage fault(s)" in out.preview and "input 1e+30 charged as" in out.preview
    assert "output -4 charged as" in out.preview
