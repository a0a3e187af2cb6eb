"""Every refusal of the API as OpenAI's error body, ``{"error": {"message", "type", "param", "code"}}``.

OpenAI clients (the official SDKs, Open WebUI) read that body to tell their users what went wrong,
so malformed JSON, a failed validation, an unknown path and an unexpected failure all answer in it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

logger = logging.getLogger(__name__)

# OpenAI's error types by status; the SDKs pick their exception class by status, people read the type.
_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    503: "server_error",
}


class ErrorDetail(BaseModel):
    """What went wrong, in OpenAI's shape."""

    message: str = Field(description="What went wrong and what to change.")
    type: str = Field(description="The kind of error: invalid_request_error, authentication_error, not_found_error, ...")
    param: str | None = Field(None, description="The request field at fault, when one is.")
    code: str | None = Field(None, description="A stable code to branch on: model_not_found, invalid_api_key, ...")


class ErrorBody(BaseModel):
    """The body of every 4xx and 5xx response of the API."""

    error: ErrorDetail


class APIError(Exception):
    """A request the API refuses: its status, and a message that says what to change."""

    def __init__(self, status: int, message: str, *, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param


def error_response(status: int, message: str, *, code: str | None = None, param: str | None = None) -> JSONResponse:
    """An OpenAI-style error response."""
    detail = {"message": message, "type": _TYPES.get(status, "server_error"), "param": param, "code": code}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": detail}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` (not of apps mounted on it) with an OpenAI-style body."""

    async def api_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, APIError)
        return error_response(error.status, error.message, code=error.code, param=error.param)

    async def invalid(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return error_response(400, validation_message(error.errors()), code="invalid_request", param=_param(error.errors()))

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        return error_response(error.status_code, str(error.detail), code=getattr(error, "code", None))

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # Starlette logs the traceback after this handler; the client gets a body its SDK can read.
        return error_response(500, f"Internal error: {type(error).__name__}. The server log has the details.")

    app.add_exception_handler(APIError, api_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def validation_message(errors: Any) -> str:
    """One readable sentence from pydantic's errors: ``messages.0.role: Input should be 'user', ...``."""
    parts = []
    for error in list(errors)[:5]:
        if error.get("type") == "json_invalid":
            reason = error.get("ctx", {}).get("error", "")
            position = error["loc"][-1] if error.get("loc") else "?"
            parts.append(f"The request body is not valid JSON ({reason} at character {position}).")
            continue
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        parts.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "Invalid request."


def _param(errors: Any) -> str | None:
    for error in errors:
        where = [str(part) for part in error.get("loc", ()) if part != "body"]
        if where and error.get("type") != "json_invalid":
            return ".".join(where)
    return None
