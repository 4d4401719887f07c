"""Parallel editors against a real server process while a heavy amendment is open.

Every revision re-checks the open amendments it touches, and the heavy one's merges are
slow: done under the write lock (as before), the other editors waited past the busy timeout
and got 500 "database is locked". Now the merges run after the commit, outside the lock, and
a write that cannot get the lock is a 503 with Retry-After: no 500, every accepted revision
is in the history, and the audit chain verifies.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx2 as httpx

from tests.live.server import live_site

EDITORS = 8
ROUNDS = 5
HEAVY_PROVISIONS = 8


def test_parallel_editors_with_a_heavy_amendment_open(tmp_path: Path) -> None:
    spec = {
        "editors": EDITORS,
        "members": 1,
        "provisions": 40,
        "words": 80,
        "heavy": HEAVY_PROVISIONS,
        "heavy_words": 1500,
    }
    with live_site(tmp_path, spec) as site:
        seed = site.seed
        answers: list[tuple[int, Any, str]] = []
        lock = threading.Lock()

        def edit(index: int, token: str) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=site.base_url, headers=headers, timeout=300) as client:
                for round_ in range(ROUNDS):
                    # Each edit touches a provision the heavy amendment replaces.
                    key = seed["keys"][(index * ROUNDS + round_) % HEAVY_PROVISIONS]
                    reason = f"Correction {index}.{round_}"
                    body = {
                        "reason": reason,
                        "changes": [
                            {
                                "op": "replace",
                                "key": key,
                                "text": {
                                    "en": f"Article as corrected by editor {index}, {round_}."
                                },
                            }
                        ],
                    }
                    response = client.post(f"/api/v1/documents/{seed['slug']}/revisions", json=body)
                    with lock:
                        answers.append((response.status_code, response.headers, reason))

        threads = [
            threading.Thread(target=edit, args=(i, editor["token"]))
            for i, editor in enumerate(seed["editors"])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        statuses = sorted(status for status, _, _ in answers)
        assert len(answers) == EDITORS * ROUNDS
        assert all(status in (201, 503) for status in statuses), statuses
        for status, headers, _ in answers:
            if status == 503:
                assert headers.get("retry-after"), "a 503 must say when to try again"
        accepted = {reason for status, _, reason in answers if status == 201}
        assert len(accepted) >= EDITORS * ROUNDS * 3 // 4, statuses

        editor = {"Authorization": f"Bearer {seed['editors'][0]['token']}"}
        with httpx.Client(base_url=site.base_url, headers=editor, timeout=60) as client:
            history = client.get(f"/api/v1/documents/{seed['slug']}/revisions").json()
            amendment = client.get(f"/api/v1/amendments/{seed['heavy']}").json()
        recorded = {row["reason"] for row in history}
        assert accepted <= recorded, accepted - recorded
        assert len(history) == 1 + len(accepted)
        # The heavy amendment was re-checked against what the editors changed.
        assert amendment["status"] == "needs_update"
        result = site.cli("verify", check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in site.log.read_text()
