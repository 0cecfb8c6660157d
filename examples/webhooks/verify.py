#!/usr/bin/env python3
"""Verifies a webhook of the Kazakhstan mobile checkout backend, in Python (standard library only).

In your handler, before parsing the body:

    from verify import verify, WebhookInvalid
    try:
        verify(request.body, request.headers["Checkout-Signature"], WEBHOOK_SECRET)
    except WebhookInvalid as e:
        return 400  # and log e
    event = json.loads(request.body)   # then dedupe by event["id"]

From a shell (what `make test` runs against real deliveries):

    CHECKOUT_WEBHOOK_SECRET=... python3 verify.py BODY_FILE 'HEADER'   # exit 0 and "ok", or 1 and why
"""
import hashlib
import hmac
import os
import sys
import time

# How far the delivery's timestamp may be from this server's clock, either way, in seconds.
TOLERANCE = 300


class WebhookInvalid(Exception):
    """The delivery is not one the backend signed with this secret in the last 5 minutes."""


def verify(raw_body: bytes, header: str, secret: str, now: int | None = None) -> None:
    """Raises WebhookInvalid unless `header` (Checkout-Signature) signs `raw_body` with `secret`."""
    t, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            t = value
        elif key == "v1":
            signatures.append(value.lower())
    if t is None or not t.isdigit():
        raise WebhookInvalid("the header has no timestamp t=")
    if not signatures:
        raise WebhookInvalid("the header has no v1= signature")
    age = (int(time.time()) if now is None else now) - int(t)
    if abs(age) > TOLERANCE:
        raise WebhookInvalid(f"the delivery is {age} s from now, beyond the {TOLERANCE} s tolerance")
    expected = hmac.new(secret.encode(), t.encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    # During a secret's rotation the header carries two v1 values: either may match.
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise WebhookInvalid("no v1 signature matches the body")


if __name__ == "__main__":
    body_file, header = sys.argv[1], sys.argv[2]
    with open(body_file, "rb") as f:
        body = f.read()
    now = int(os.environ["WEBHOOK_NOW"]) if os.environ.get("WEBHOOK_NOW") else None
    try:
        verify(body, header, os.environ["CHECKOUT_WEBHOOK_SECRET"], now)
    except WebhookInvalid as e:
        print(f"invalid: {e}")
        sys.exit(1)
    print("ok")
