"""The voting part's services, the only code that writes sittings, polls and ballots. By
concern:

* ``sittings``: planning, opening and closing a sitting; check-in and check-out; quorum;
* ``proxies``: asking, approving, refusing and revoking a proxy;
* ``polls``: the agenda (creating, removing, ordering polls), opening a poll (fixing its
  electorate) and closing it (the result, adoption, the signed record);
* ``order``: the suggested voting order of conflicting amendments and what falls when one
  passes; the chair ordering the agenda;
* ``ballots``: casting a vote (a short write: entitlement, the one ballot row, the audit
  event);
* ``queries``: reading them.
"""

from constitution.votes.services.ballots import VoteReceipt, cast_vote, receipt_json
from constitution.votes.services.order import (
    Departure,
    VotingOrder,
    falling,
    order_agenda,
    voting_order,
)
from constitution.votes.services.polls import (
    close_poll,
    create_poll,
    move_poll,
    open_poll,
    remove_poll,
    signed_record,
)
from constitution.votes.services.proxies import decide_proxy, request_proxy, revoke_proxy
from constitution.votes.services.queries import (
    Presence,
    agenda,
    ballot_of,
    entitled_count,
    get_poll,
    get_proxy,
    get_sitting,
    list_sittings,
    presence,
    proxies_of,
    voting_record,
)
from constitution.votes.services.sittings import (
    check_in,
    check_out,
    close_sitting,
    create_sitting,
    open_sitting,
)

__all__ = [
    "Departure",
    "Presence",
    "VoteReceipt",
    "VotingOrder",
    "agenda",
    "ballot_of",
    "cast_vote",
    "check_in",
    "check_out",
    "close_poll",
    "close_sitting",
    "create_poll",
    "create_sitting",
    "decide_proxy",
    "entitled_count",
    "falling",
    "get_poll",
    "get_proxy",
    "get_sitting",
    "list_sittings",
    "move_poll",
    "open_poll",
    "open_sitting",
    "order_agenda",
    "presence",
    "proxies_of",
    "receipt_json",
    "remove_poll",
    "request_proxy",
    "revoke_proxy",
    "signed_record",
    "voting_order",
    "voting_record",
]
