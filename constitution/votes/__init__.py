"""Voting: sittings, attendance, proxies, polls, ballots, results and their signed records."""
