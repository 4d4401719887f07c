import shutil, cProfile, pstats
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
for i in range(3): print(timed(lst, runs=9))
p = cProfile.Profile(); p.enable(); lst(); p.disable()
pstats.Stats(p).sort_stats("tottime").print_stats(15)
