import cProfile, pstats, random, sys, time, shutil, os
from bench import bench_amendments as B
from bench.common import scratch_settings
from constitution.app import create_app
from constitution.amendments import services
from constitution.api.amendments import amendment_json
from constitution.texts import services as texts
import pickle

settings = scratch_settings()
app = create_app(settings)
database = app.state.database
src = "/tmp/bench_amend.sqlite3"
if os.path.exists(src):
    database.close()
    shutil.copy(src, settings.database_url.removeprefix("sqlite:///"))
    app = create_app(settings); database = app.state.database
else:
    B._setup(database, settings)
    database.close()
    shutil.copy(settings.database_url.removeprefix("sqlite:///"), src)
    app = create_app(settings); database = app.state.database

what = sys.argv[1]
prof = cProfile.Profile()
if what == "list":
    with database.transaction(write=False) as db:
        doc = texts.get_document(db, "bench")
        prof.enable()
        rows = [amendment_json(db, a, doc) for a in services.list_amendments(db, doc)]
        prof.disable()
elif what == "recheck":
    rng = random.Random(5)
    saved = list(texts.AFTER_REVISION); texts.AFTER_REVISION.clear()
    with B.rolled_back(database) as db:
        document = texts.get_document(db, "bench")
        keys = {c.key for a in services.list_amendments(db, document) for c in a.changes}
        tree = texts.load_tree(db, document)
        for key in keys:
            d = tree.items[key]
            d.text = {"my": B._reword(rng, d.text["my"], 1, B.BURMESE), "en": B._reword(rng, d.text["en"], 1, B.ENGLISH)}
            d.touched = True
        revision = texts.write_revision(db, tree, actor=None, kind="editorial", reason="bench")
        t = time.perf_counter()
        prof.enable()
        services.recheck(db, document, revision, keys)
        prof.disable()
        print("recheck", time.perf_counter() - t)
    texts.AFTER_REVISION[:] = saved
elif what == "propose":
    with B.rolled_back(database) as db:
        document = texts.get_document(db, "bench")
        from constitution.accounts.models import Member
        m = db.query(Member).first()
        from constitution.texts.validation import Notices
        tree = texts.load_tree(db, document)
        text = tree.items["art-5"].text["en"]
        prof.enable()
        services.propose(db, settings, m, document, {"title": "x", "changes": [{"op": "replace", "key": "art-5", "text": {"en": text.replace(" ", "  ", 1).replace("  ", " the ", 1)}}]}, Notices())
        prof.disable()
st = pstats.Stats(prof); st.sort_stats(sys.argv[2] if len(sys.argv) > 2 else "cumulative").print_stats(45)
