"""Local HTTP servers that speak the OpenAI chat-completions and Ollama chat APIs, with scripted replies."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[dict[str, Any]], str]
"""Given the request body, the text the model 'says'."""


def pieces(text: str) -> list[str]:
    """Split a reply into small streamed deltas, as a real server would; a character written as its two UTF-16
    halves ("\\ud83d\\ude00", which a str may hold apart) goes out as two deltas, as servers that stream by
    token may send an emoji."""
    return re.findall(r"[\ud800-\udbff]|[^\s\ud800-\udbff]+\s*|\s+", text)


class ScriptedServer:
    """Records every request; answers each with the scripted reply."""

    def __init__(self, reply: Reply, known_models: set[str]) -> None:
        self.reply = reply
        self.known_models = known_models
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.url = ""
        self.piece_seconds = 0.0  # a pause before each streamed piece, as a model writes
        self.first_word = threading.Event()  # cleared: each stream's first piece waits for it, as a model reads a prompt
        self.first_word.set()
        self.streams_cut = 0  # streams whose client hung up before their end (a write failed)
        self.streams_ended = 0  # streams written to their end

    def write_stream(self, lines: Iterator[bytes], wfile: Any) -> None:
        """Write a stream's ``lines``, pausing ``piece_seconds`` before each; count how it ended."""
        try:
            if not self.first_word.wait(60):
                raise AssertionError("the stream's first word was held past 60 s")
            for line in lines:
                time.sleep(self.piece_seconds)
                wfile.write(line)
                wfile.flush()
        except OSError:  # the client hung up: the rest would be written for nobody
            self.streams_cut += 1
            return
        self.streams_ended += 1


def _handler(server: ScriptedServer, flavour: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            server.requests.append((self.path, body))
            if body.get("model") not in server.known_models:
                message = f"model '{body.get('model')}' not found"
                error = {"error": message} if flavour == "ollama" else {"error": {"message": message, "code": "model_not_found"}}
                return self._json(404, error)
            if flavour == "ollama" and self.path == "/api/show":
                return self._json(200, {"modelinfo": {"llama.context_length": 8192}, "details": {"family": "llama"}})
            text = server.reply(body)
            if flavour == "openai" and self.path.endswith("/chat/completions"):
                return self._openai(body, text)
            if flavour == "ollama" and self.path == "/api/chat":
                return self._ollama(body, text)
            return self._json(404, {"error": f"no route {self.path}"})

        def _openai(self, body: dict[str, Any], text: str) -> None:
            base = {"id": "chatcmpl-1", "created": 0, "model": body["model"]}
            if not body.get("stream"):
                message = {"role": "assistant", "content": text}
                choice = {"index": 0, "message": message, "finish_reason": "stop"}
                usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
                return self._json(200, {**base, "object": "chat.completion", "choices": [choice], "usage": usage})
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()

            def lines() -> Iterator[bytes]:
                for i, piece in enumerate(pieces(text)):
                    delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                    chunk = {
                        **base,
                        "object": "chat.completion.chunk",
                        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                    }
                    yield f"data: {json.dumps(chunk)}\n\n".encode()
                end = {**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                yield f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode()

            server.write_stream(lines(), self.wfile)

        def _ollama(self, body: dict[str, Any], text: str) -> None:
            base = {"model": body["model"], "created_at": "2026-01-01T00:00:00Z"}
            if body.get("stream") is False:
                return self._json(
                    200, {**base, "message": {"role": "assistant", "content": text}, "done": True, "done_reason": "stop"}
                )
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.end_headers()
            lines = [
                (json.dumps({**base, "message": {"role": "assistant", "content": piece}, "done": False}) + "\n").encode()
                for piece in pieces(text)
            ]
            final = {
                **base,
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": "stop",
                "total_duration": 1,
                "load_duration": 1,
                "prompt_eval_count": 1,
                "prompt_eval_duration": 1,
                "eval_count": 1,
                "eval_duration": 1,
            }
            server.write_stream(iter([*lines, (json.dumps(final) + "\n").encode()]), self.wfile)

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def serve(flavour: str, reply: Reply, known_models: set[str]) -> Iterator[ScriptedServer]:
    """Run a scripted ``flavour`` ("openai" or "ollama") server on a free loopback port."""
    scripted = ScriptedServer(reply, known_models)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(scripted, flavour))
    host, port = httpd.server_address[:2]
    scripted.url = f"http://{host}:{port}" + ("/v1" if flavour == "openai" else "")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield scripted
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
