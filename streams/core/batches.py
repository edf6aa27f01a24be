"""What a batch of claims does to the version processor's table. Pure functions.

The table holds each position's state and a mark per applied claim. Its changelog is
what a restarted worker recovers, and a crash keeps only a prefix of what was written
to each changelog partition. The writes of a batch are ordered so that any prefix
recognises every claim it counted:

1. the marks of claims a crash left unmarked (see below);
2. the positions the batch moved, each naming the batch's claims as ``recent``;
3. the marks of the batch's claims.

A crash after (2) loses marks, but their claims are among their positions' recent
ones. Those claims are marked in (1) of the next batch that moves the position, before
its new state forgets them: a copy of the claim arriving later (the same article
extracted again) is then recognised by its mark.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.events import TRACKED_TOPICS, Claim
from streams.core.versioning import (
    Outcome,
    Position,
    apply_claim,
    claim_key,
    position_key,
    restored,
    settled,
    stored_state,
)

MARK = 1  # the value of a claim's mark


@dataclass(frozen=True)
class TableWrite:
    key: str
    value: Any
    partition: int  # the changelog partition: the input partition of the claim behind it


@dataclass(frozen=True)
class Applied:
    index: int  # the claim's place in the batch
    key: str  # its position's key
    outcome: Outcome


@dataclass(frozen=True)
class BatchResult:
    applied: list[Applied]  # the claims that moved a position, in batch order
    writes: list[TableWrite]  # to make in this order, once the applied claims' events are in the log


def version_batch(read: Callable[[str], Any], claims: Sequence[tuple[Claim, int]]) -> BatchResult:
    """The batch's claims (each with its input partition) applied to the table that
    ``read`` reads; a claim applied before, in this batch or an earlier one, is skipped."""
    working: dict[str, Position | None] = {}
    moved: dict[str, int] = {}  # key -> partition, for positions to store
    marked: set[str] = set()  # claims marked by this batch
    heals: list[TableWrite] = []
    marks: list[TableWrite] = []
    done: list[Applied] = []
    for index, (claim, partition) in enumerate(claims):
        if claim.topic not in TRACKED_TOPICS:
            continue
        key = position_key(claim.actor_id, claim.topic.value)
        if key not in working:
            stored = read(key)
            position = restored(stored) if stored else None
            for earlier in position.recent if position else ():
                if read(claim_key(earlier)) is None:  # a crash lost its mark
                    heals.append(TableWrite(claim_key(earlier), MARK, partition))
                    marked.add(earlier)
            working[key] = settled(position)
        before = working[key]
        if claim.claim_id in marked or read(claim_key(claim.claim_id)) is not None:
            continue  # a redelivery, or the same claim extracted again
        outcome = apply_claim(before, claim)
        if outcome.position is None or outcome.position == before:
            continue  # an undated claim: nothing to keep
        working[key] = outcome.position
        moved[key] = partition
        marked.add(claim.claim_id)
        marks.append(TableWrite(claim_key(claim.claim_id), MARK, partition))
        done.append(Applied(index, key, outcome))
    states = [TableWrite(key, stored_state(p), partition) for key, partition in moved.items()
              if (p := working[key]) is not None]
    return BatchResult(done, [*heals, *states, *marks])
