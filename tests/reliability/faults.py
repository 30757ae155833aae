"""A network that fails the way a phone's does, on purpose and reproducibly.

``FaultyTransport`` wraps the real transport (the server in-process) and,
driven by a seeded ``random.Random``, breaks a share of the requests:

- ``drop_request``: the connection fails before anything is sent;
- ``drop_response``: the server did the work (committed), the answer is lost;
- ``duplicate``: the request arrives twice (a retrying proxy); the client
  gets the second answer;
- ``unavailable``: a gateway answers 503 — half the time before the request
  reached the server, half the time after it was done;
- ``timeout_before`` / ``timeout_after``: the client gives up waiting, before
  the request was delivered or after the server did the work;
- ``truncated``: the answer arrives cut off somewhere in its body.

The faults that happen after the server did the work are the dangerous
ones: the client cannot tell them from the others, and must retry without
creating anything twice.
"""

import random
from collections import Counter
from collections.abc import Sequence
from enum import StrEnum

import httpx


class Fault(StrEnum):
    DROP_REQUEST = "drop_request"
    DROP_RESPONSE = "drop_response"
    DUPLICATE = "duplicate"
    UNAVAILABLE = "unavailable"
    TIMEOUT_BEFORE = "timeout_before"
    TIMEOUT_AFTER = "timeout_after"
    TRUNCATED = "truncated"


AFTER_DELIVERY = frozenset({Fault.DROP_RESPONSE, Fault.DUPLICATE, Fault.TIMEOUT_AFTER})


class FaultyTransport(httpx.BaseTransport):
    """Delivers requests through ``inner``, breaking a ``rate`` share of them."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        rng: random.Random,
        rate: float,
        kinds: Sequence[Fault] = tuple(Fault),
    ) -> None:
        self.inner = inner
        self.rng = rng
        self.rate = rate
        self.kinds = tuple(kinds)
        self.requests = 0
        self.delivered = 0
        self.injected: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.rng.random() >= self.rate:
            return self._deliver(request)
        fault = self.rng.choice(self.kinds)
        self.injected[fault] += 1
        if fault is Fault.DROP_REQUEST:
            raise httpx.ConnectError("connection refused (injected)", request=request)
        if fault is Fault.TIMEOUT_BEFORE:
            raise httpx.ConnectTimeout("timed out connecting (injected)", request=request)
        if fault is Fault.UNAVAILABLE:
            if self.rng.random() < 0.5:
                self._deliver(request).close()
            return httpx.Response(503, text="Service Unavailable", request=request)
        response = self._deliver(request)
        if fault is Fault.DUPLICATE:
            response.read()
            response.close()
            return self._deliver(request)
        if fault is Fault.TRUNCATED:
            return self._truncated(request, response)
        response.close()
        if fault is Fault.DROP_RESPONSE:
            raise httpx.ReadError("connection reset by peer (injected)", request=request)
        raise httpx.ReadTimeout("timed out reading (injected)", request=request)

    def _deliver(self, request: httpx.Request) -> httpx.Response:
        self.delivered += 1
        return self.inner.handle_request(request)

    def _truncated(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        """The raw (possibly gzip-compressed) body cut at a random point."""
        raw = b"".join(response.iter_raw())
        response.close()
        cut = raw[: self.rng.randrange(len(raw))] if raw else raw
        headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-length"]
        return httpx.Response(response.status_code, headers=headers, content=cut, request=request)
