"""Sittings and recorded votes: attendance and quorum, polls with their majority rules and
concurrent majorities, proxies, ballots, results and their signed records."""
