"""A closed poll's result: passed or not, the rule in words, the tally, each concurrent
condition with its groups, the roll-call grouped three ways (proxies marked), the record's
hash and signed JSON, the adoption; and each member's own voting record."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from constitution.accounts.services import display_names
from constitution.amendments import services as amendments
from constitution.votes import services
from constitution.votes.models import Poll
from constitution.votes.views.common import me, subjects
from constitution.web.framework import Ctx
from constitution.web.render import render

# How the roll-call is grouped, in this order (the chamber is a condition's group only).
ROLL_CALL_GROUPS = ("party", "state_region", "ethnicity")


def grouped(rows: list[dict[str, Any]], group: str) -> list[tuple[str | None, list[Any]]]:
    """The roll-call's rows by their value of ``group``, values in order, the members with
    none recorded last (value None)."""
    by_value: dict[str | None, list[Any]] = {}
    for row in rows:
        by_value.setdefault(row["groups"].get(group) or None, []).append(row)
    named = sorted((v for v in by_value if v is not None), key=str.casefold)
    order: list[str | None] = [*named, *([None] if None in by_value else [])]
    return [(value, by_value[value]) for value in order]


def roll_call(db: Any, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's roll-call by name, each row with the name of a proxy who voted."""
    rows = list(record.get("roll_call") or [])
    names = {row["member"]: row["display_name"] for row in rows}
    missing = [row["proxy"] for row in rows if row.get("proxy") and row["proxy"] not in names]
    names.update(display_names(db, missing))
    return sorted(
        ({**row, "by": names.get(row["proxy"], "—") if row.get("proxy") else None} for row in rows),
        key=lambda row: (str(row["display_name"]).casefold(), row["member"]),
    )


def base_count(poll: Poll, record: dict[str, Any]) -> int:
    tally = record.get("tally") or {}
    if poll.base == "cast":
        return int(tally.get("yes", 0)) + int(tally.get("no", 0))
    if poll.base == "present":
        return len(record.get("entitled") or [])
    return int(record.get("members") or 0)


def result_page(ctx: Ctx, poll: Poll, *, error: str | None = None, status: int = 200) -> Response:
    db, member = ctx.db, me(ctx)
    record = poll.record or {}
    result = poll.result or {}
    amendment = subjects(db, [poll]).get(poll.amendment_id or 0)
    rows = roll_call(db, record)
    tally = result.get("tally") or {"yes": 0, "no": 0, "abstain": 0}
    mine = next((row for row in rows if row["member"] == member.id), None)
    context = {
        "poll": poll,
        "sitting": services.get_sitting(db, poll.sitting_id),
        "amendment": amendment,
        "document": amendments.document_of(db, amendment) if amendment else None,
        "record": record,
        "result": result,
        "tally": tally,
        "entitled": len(record.get("entitled") or []),
        "not_voted": sum(1 for row in rows if row.get("choice") is None),
        "base_count": base_count(poll, record),
        "groupings": [(group, grouped(rows, group)) for group in ROLL_CALL_GROUPS],
        "problem": ctx._(poll.adoption_problem) if poll.adoption_problem else "",
        "mine": mine,
        "receipt_counted": bool(mine and mine.get("receipt") in (record.get("receipts") or [])),
        "error": error,
    }
    return render(ctx, "votes/result.html", context, status)


def my_votes(ctx: Ctx) -> Response:
    """Her voting record: the closed polls she was entitled to, her vote and receipt."""
    member = me(ctx)
    rows = services.voting_record(ctx.db, member.id)
    polls = [poll for poll, _ballot in rows]
    holders = [b.cast_by_id for _p, b in rows if b is not None and b.proxy_id is not None]
    context = {
        "rows": rows,
        "amendments": subjects(ctx.db, polls),
        "names": display_names(ctx.db, holders),
    }
    return render(ctx, "votes/record.html", context)
