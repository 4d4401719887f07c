from tests.factories import make_member, api_token, bearer


def test_probe(client, db, settings):
    admin = make_member(db, settings, "root", ["member", "admin"])
    tok = api_token(client, admin)
    r = client.patch("/api/v1/members/" + "9" * 5000, json={}, headers=bearer(tok))
    print("patch", r.status_code, r.text[:200])
    r = client.get("/admin/members/" + "9" * 5000)
    print("page", r.status_code, r.text[:200])
