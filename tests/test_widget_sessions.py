"""The widget's signed session tokens, in process through SessionSigner's public API."""

from __future__ import annotations

import pytest

from channels.widget_sessions import InvalidSession, SessionSigner


def test_a_token_verifies_to_its_conversation_and_tampering_is_refused() -> None:
    signer = SessionSigner(b"s" * 32, lifetime_seconds=60, clock=lambda: 1000.0)
    token = signer.issue()
    assert signer.verify(token).startswith("web-")
    for forged in (token[:-1] + "é", token.replace("web-", "wéb-"), token[:-2] + "AA", "", "x" * 300):
        with pytest.raises(InvalidSession):
            signer.verify(forged)
