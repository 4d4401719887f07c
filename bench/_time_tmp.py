import os, shutil, time
from bench.common import scratch_settings, timed
from constitution.app import create_app
from constitution.amendments import services
from constitution.texts import services as texts
settings = scratch_settings()
app = create_app(settings); database = app.state.database; database.close()
shutil.copy("/tmp/bench_amend.sqlite3", settings.database_url.removeprefix("sqlite:///"))
app = create_app(settings); database = app.state.database
def lst():
    with database.transaction(write=False) as db:
        doc = texts.get_document(db, "bench"); return services.list_amendments(db, doc)
def conf():
    with database.transaction(write=False) as db:
        doc = texts.get_document(db, "bench")
        for a in services.list_amendments(db, doc): services.conflicts_of(db, a)
def diffs():
    with database.transaction(write=False) as db:
        doc = texts.get_document(db, "bench")
        for a in services.list_amendments(db, doc):
            for c in a.changes: services.change_diff(doc, c)
print("list", timed(lst, runs=7)); print("list+conflicts", timed(conf, runs=7)); print("list+diffs", timed(diffs, runs=7))
from constitution.api.amendments import amendment_json
def js():
    with database.transaction(write=False) as db:
        doc = texts.get_document(db, "bench")
        [amendment_json(db, a, doc) for a in services.list_amendments(db, doc)]
print("json", timed(js, runs=7))
from starlette.testclient import TestClient
with TestClient(app) as client:
    token = client.post("/api/v1/tokens", json={"username": "member-00", "password": "bench member password 1"}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    print("api", timed(lambda: client.get("/api/v1/documents/bench/amendments", headers=auth), runs=7))
