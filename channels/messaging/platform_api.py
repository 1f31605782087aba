"""Calls to a messaging platform's API (sending replies), asynchronous so that a slow platform
never holds up the server, with a timeout and one retry on a timeout, a 5xx or a 429. Every
platform's base URL is a setting, so tests point it at a local fake platform."""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
from typing import Any, Callable, Dict, Optional

import aiohttp

logger = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}


class DeliveryFailed(Exception):
    """The platform did not accept a reply."""


def _always_ok(_: Any) -> bool:
    return True


def ok_field_true(body: Any) -> bool:
    """For APIs that answer {"ok": true, ...} on success, even with HTTP 200 (Slack, Telegram)."""
    return isinstance(body, dict) and body.get("ok") is True


class PlatformApi:
    def __init__(
        self,
        platform: str,
        base_url: str,
        timeout: float,
        headers: Optional[Dict[str, str]] = None,
        auth: Optional[aiohttp.BasicAuth] = None,
        body_ok: Callable[[Any], bool] = _always_ok,
        attempts: int = 2,
        retry_pause: float = 0.5,
    ) -> None:
        self.platform = platform
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._headers = headers or {}
        self._auth = auth
        self._body_ok = body_ok
        self._attempts = attempts
        self._retry_pause = retry_pause
        self._session: Optional[aiohttp.ClientSession] = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the server's event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers, auth=self._auth)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def call(self, path: str, *, json: Any = None, form: Optional[Dict[str, str]] = None) -> Any:
        """POSTs to base_url + path; the decoded answer, or DeliveryFailed saying why."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        problem = ""
        for attempt in range(1, self._attempts + 1):
            try:
                async with self._client().post(url, json=json, data=form) as r:
                    text = await r.text()
                    body = _decode(text)
                    if r.status < 400 and self._body_ok(body):
                        return body
                    problem = f"{self.platform} answered {r.status}: {text[:300]}"
                    if r.status < 400 or r.status not in RETRY_STATUSES:
                        break
            except asyncio.TimeoutError:
                problem = f"{self.platform} did not answer within {self._timeout.total:g}s"
            except aiohttp.ClientError as e:
                problem = f"{self.platform} could not be reached: {e}"
            if attempt < self._attempts:
                logger.warning("%s; trying again", problem)
                await asyncio.sleep(self._retry_pause)
        raise DeliveryFailed(problem)


def _decode(text: str) -> Any:
    try:
        return jsonlib.loads(text) if text else None
    except ValueError:
        return text
