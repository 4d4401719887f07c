"""The voting part's pages: sittings and their attendance and proxies (``sittings``), the
chair's console (``console``), the ballot and its confirmation (``ballots``), the result
with its roll-call and each member's voting record (``results``)."""
