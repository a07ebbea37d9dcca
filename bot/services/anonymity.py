"""What makes an anonymous prompt's answer unlinkable to the member who gave it.

An anonymous answer is stored under a *respondent token*, never under the member id: a keyed
one-way hash (HMAC-SHA256) of (prompt, member) with a secret that each community keeps in its
own database. The token is the same every time the same member answers the same prompt, so the
primary key still allows one answer per member and a member can still change it; without the
secret nobody can tell whose token it is, or match two prompts' tokens to one member.

The points for answering are keyed the same way but under a different label, so the ledger's
idempotency key still pays each member once per prompt and cannot be matched to the token.
The entry names no prompt, and the answer keeps no time of its own (it carries the prompt's
opening time), so neither keys, refs nor timestamps join a ledger line to an answer.

Whoever holds the database *and* its secret can recompute the tokens and link them again; that
is the operator's trust boundary and is documented. Nothing that leaves the bot (replies,
results, exports, the audit log, logs) carries the token, the member, or the time.
"""

from __future__ import annotations

import hashlib
import hmac

#: prefix of a respondent token in ``prompt_responses.member_id``
TOKEN_PREFIX = "anon:"
#: prefix of the ledger key that pays an anonymous answer once
POINTS_KEY_PREFIX = "feedback:anon:"
#: what the ledger, ``/points`` and the history say about those points (no prompt named)
ANSWER_REASON = "answered an anonymous feedback prompt"


def _mac(key: str, label: str, prompt_id: int, member_id: str) -> str:
    message = "\x1f".join((label, str(prompt_id), member_id)).encode("utf-8")
    return hmac.new(bytes.fromhex(key), message, hashlib.sha256).hexdigest()


def respondent_token(key: str, prompt_id: int, member_id: str) -> str:
    """The stored respondent of an anonymous answer: one per (prompt, member), not reversible."""
    return TOKEN_PREFIX + _mac(key, "respondent", prompt_id, member_id)


def points_key(key: str, prompt_id: int, member_id: str) -> str:
    """The ledger idempotency key for answering: pays once, and matches no respondent token."""
    return POINTS_KEY_PREFIX + _mac(key, "points", prompt_id, member_id)
