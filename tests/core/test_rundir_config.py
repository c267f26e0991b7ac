"""run.json holds the resolved config without secrets; resume never re-resolves it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from diagon.cli import main as cli
from diagon.config import compose_config
from diagon.config.load import config_from_dict
from diagon.config.schema import as_plain
from diagon.config.secrets import REDACTED, is_secret_key, redact, strip_secrets
from diagon.events import LLMCall, read_events
from diagon.models.loopback import LoopbackServer, Reply
from diagon.runner import run_id_for
from tests.core.conftest import RUN_OVERRIDES

SECRET = "sk-test-0123456789abcdefSECRETVALUE"
TOKEN = "hf_TOKENVALUE42"


def test_resume_uses_the_config_the_run_started_with_not_the_environment_now(tmp_path, killed_run, monkeypatch):
    # an environment value that itself reads like an interpolation must stay a value
    monkeypatch.setenv("DIAGON_NOTE", "first ${oc.env:DIAGON_OTHER}")
    monkeypatch.setenv("DIAGON_OTHER", "other")
    overrides = [*RUN_OVERRIDES, "+model.options.note=${oc.env:DIAGON_NOTE}"]
    cfg = compose_config(overrides)
    assert cfg.model.options["note"] == "first ${oc.env:DIAGON_OTHER}"
    run_dir = killed_run(tmp_path / "run", overrides=overrides)
    monkeypatch.setenv("DIAGON_NOTE", "second")  # changed between run and resume
    monkeypatch.delenv("DIAGON_OTHER")
    assert cli(["resume", str(run_dir)]) == 0
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["status"] == "completed"
    assert meta["config"]["model"]["options"] == {"note": "first ${oc.env:DIAGON_OTHER}"}
    assert meta["run_id"] == run_id_for(cfg)
    assert {e.run_id for e in read_events(run_dir / "events.jsonl")} == {run_id_for(cfg)}


def test_config_from_dict_reads_strings_verbatim():
    plain = as_plain(compose_config([]))
    plain["model"]["options"] = {"a": "${oc.env:HOME}", "b": "x\\${y}", "c": "\\\\${z}", "d": "$${w"}
    assert config_from_dict(plain).model.options == plain["model"]["options"]


def test_an_api_key_override_reaches_no_file_of_the_run_dir(tmp_path):
    run_dir = tmp_path / "run"
    code = cli([
        "run", "population=small", "rounds=2", f"+model.options.api_key={SECRET}",
        f"+model.options.hf_token={TOKEN}", f"hydra.run.dir={run_dir}",
    ])
    assert code == 0
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {".hydra/overrides.yaml", "run.json", "events.jsonl"} <= {str(p.relative_to(run_dir)) for p in files}
    for path in files:
        data = path.read_bytes()
        assert SECRET.encode() not in data and TOKEN.encode() not in data, path
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["redacted"] == ["model.options.api_key", "model.options.hf_token"]
    assert meta["config"]["model"]["options"] == {}
    assert (run_dir / ".hydra" / "overrides.yaml").read_text() == (
        f"- population=small\n- rounds=2\n- +model.options.api_key={REDACTED}\n- +model.options.hf_token={REDACTED}\n"
    )
    # what `diagon resume` rebuilds: no key (the backend reads its environment variable)
    # and the same run id, so the resumed events continue the same run
    resumed = config_from_dict(meta["config"])
    assert resumed.model.options == {} and run_id_for(resumed) == meta["run_id"]


def test_secret_names_and_the_schema():
    # nothing of the default config is taken for a secret (token budgets are not tokens)
    assert strip_secrets(as_plain(compose_config([])))[1] == []
    secret = ["api_key", "OPENAI_API_KEY", "apiKey", "access_token", "hf_token", "client_secret",
              "secret_key", "password", "Authorization"]
    public = ["api_key_env", "max_output_tokens", "effort_token_budget", "token_noise_sd", "tokens_in", "key"]
    assert [k for k in secret if not is_secret_key(k)] == []
    assert [k for k in public if is_secret_key(k)] == []
    assert redact({"headers": {"X": "Bearer abc.def"}, "n": 1, "s": "seed=3,model.options.api_key=sk-x"}) == {
        "headers": {"X": REDACTED}, "n": 1, "s": f"seed=3,model.options.api_key={REDACTED}",
    }



def test_a_key_echoed_by_the_model_server_is_scrubbed_from_every_file(tmp_path):
    # a server that puts the client's key into its error message (as some do on a 401)
    echo = LoopbackServer(lambda _path, _body: Reply(400, {"error": {"message": f"bad key: {SECRET}"}}))
    run_dir = tmp_path / "run"
    try:
        code = cli([
            # every call fails by design here; that must not stop the run (model health is not tested)
            "run", "population=small", "rounds=1", "model=compatible", "model.backoff_s=0.01", "model.max_fallback_share=null",
            f"model.base_url={echo.base_url}", f"+model.options.api_key={SECRET}", f"hydra.run.dir={run_dir}",
        ])
    finally:
        echo.shutdown()
    assert code == 0
    assert len(echo.requests) > 0
    for path in (p for p in run_dir.rglob("*") if p.is_file()):
        assert SECRET.encode() not in path.read_bytes(), path
    errors = [e.error for e in read_events(run_dir / "events.jsonl") if isinstance(e, LLMCall)]
    assert len(errors) == len(echo.requests)
    assert all(f"bad key: {REDACTED}" in error for error in errors)


class KeyRecorder(ThreadingHTTPServer):
    """An OpenAI-style endpoint that records the bearer key of each request and refuses it."""

    daemon_threads = True

    def __init__(self) -> None:
        self.keys: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                recorder.keys.append(self.headers.get("Authorization", ""))
                payload = b'{"error": {"message": "no"}}'
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_a_resumed_run_takes_its_key_from_the_environment(tmp_path, killed_run, monkeypatch):
    server = KeyRecorder()
    later = "sk-env-9876543210fedcbaLATERKEY"
    overrides = [
        *RUN_OVERRIDES, "model=compatible", "model.backoff_s=0.01", "model.max_fallback_share=null",
        "model.api_key_env=DIAGON_TEST_KEY",
        f"model.base_url=http://127.0.0.1:{server.server_address[1]}/v1", f"+model.options.api_key={SECRET}",
    ]
    # the trader session checks the variable even when a key is given (diagon.traders.session)
    monkeypatch.setenv("DIAGON_TEST_KEY", "sk-env-0000000000000000UNUSEDKEY")
    try:
        run_dir = killed_run(tmp_path / "run", done=1, overrides=overrides)
        started = len(server.keys)
        monkeypatch.setenv("DIAGON_TEST_KEY", later)
        assert cli(["resume", str(run_dir)]) == 0
    finally:
        server.shutdown()
    assert set(server.keys[:started]) == {f"Bearer {SECRET}"}  # the override, while it ran
    assert started < len(server.keys) and set(server.keys[started:]) == {f"Bearer {later}"}
    for path in (p for p in run_dir.rglob("*") if p.is_file()):
        assert SECRET.encode() not in path.read_bytes() and later.encode() not in path.read_bytes(), path
