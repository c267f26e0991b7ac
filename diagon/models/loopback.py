"""A loopback HTTP server speaking the OpenAI Chat Completions (or Anthropic Messages)
protocol, answering from a Python function: for tests, benchmarks and offline demos.

``LoopbackServer(responder)`` listens on 127.0.0.1:<free port> in a daemon thread; each
POST body (decoded JSON) goes to ``responder(path, body)``, which returns a
:class:`Reply`. Every request body is kept in ``requests`` and its path in ``paths``;
``in_flight`` / ``max_in_flight`` count requests being answered (concurrency tests).
Helpers build the protocol's bodies: :func:`chat_completion`, :func:`chat_tool_calls`,
:func:`openai_error`, :func:`anthropic_message`, :func:`anthropic_error`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """A reply: status, JSON body, a delay before it, and ``drip_s`` > 0 to send the body
    one byte every ``drip_s`` seconds (a server that is slow but never silent)."""

    status: int
    body: dict[str, Any]
    delay_s: float = 0.0
    drip_s: float = 0.0


Responder = Callable[[str, dict[str, Any]], Reply]


def chat_completion(content: str, prompt_tokens: int = 100, completion_tokens: int = 20,
                    model: str = "loopback-1", delay_s: float = 0.0, finish_reason: str = "stop") -> Reply:
    """A 200 Chat Completions reply whose message text is ``content``."""
    message = {"role": "assistant", "content": content}
    return _completion(message, finish_reason, prompt_tokens, completion_tokens, model, delay_s)


def chat_tool_calls(calls: list[tuple[str, str, dict[str, Any] | str]], prompt_tokens: int = 100,
                    completion_tokens: int = 20, model: str = "loopback-1", delay_s: float = 0.0) -> Reply:
    """A reply calling tools: ``(call_id, name, arguments)`` each; string arguments are
    sent as they are (to test malformed JSON), others JSON-encoded."""
    message = {"role": "assistant", "content": None, "tool_calls": [
        {"id": cid, "type": "function",
         "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
        for cid, name, args in calls
    ]}
    return _completion(message, "tool_calls", prompt_tokens, completion_tokens, model, delay_s)


def _completion(message: dict[str, Any], finish: str, p: int, c: int, model: str, delay_s: float) -> Reply:
    return Reply(200, {
        "id": "chatcmpl-loopback", "object": "chat.completion", "created": 1700000000, "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
    }, delay_s)


def openai_error(status: int, message: str = "error") -> Reply:
    return Reply(status, {"error": {"message": message, "type": "loopback", "code": None}})


def anthropic_message(blocks: list[dict[str, Any]], stop_reason: str = "end_turn",
                      input_tokens: int = 100, output_tokens: int = 20, model: str = "claude-loopback",
                      delay_s: float = 0.0) -> Reply:
    """A 200 Messages API reply with content ``blocks``."""
    return Reply(200, {
        "id": "msg_loopback", "type": "message", "role": "assistant", "model": model,
        "content": blocks, "stop_reason": stop_reason, "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }, delay_s)


def anthropic_error(status: int, kind: str = "api_error", message: str = "error") -> Reply:
    return Reply(status, {"type": "error", "error": {"type": kind, "message": message}})


class LoopbackServer:
    """A threaded HTTP server on loopback answering POSTs with ``responder``."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                arrived = time.monotonic()
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(body)
                    server.paths.append(self.path)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._answer(body, arrived)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, body: dict[str, Any], arrived: float) -> None:
                try:
                    reply = server.responder(self.path, body)
                except Exception as exc:  # noqa: BLE001 - a responder bug is a 500, visibly
                    reply = Reply(500, {"error": {"message": f"responder failed: {exc!r}"}})
                if reply.delay_s:  # counted from the request's arrival, computing included
                    time.sleep(max(0.0, reply.delay_s - (time.monotonic() - arrived)))
                payload = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if not reply.drip_s:
                        self.wfile.write(payload)
                    for i in range(len(payload) if reply.drip_s else 0):
                        self.wfile.write(payload[i : i + 1])
                        self.wfile.flush()
                        if server._stopping.wait(reply.drip_s):
                            break  # shutting down: do not make shutdown wait for the drip
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeouts)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (``…/v1``)."""
        return f"{self.url}/v1"

    def shutdown(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
