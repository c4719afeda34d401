"""Runs the original stack for one burst: APScheduler 3 BackgroundScheduler + SQLAlchemyJobStore on SQLite +
ThreadPoolExecutor(20), default job settings (misfire_grace_time 1 s, coalesce), one cron job per fixed time
with the original's ids `schedule_{id}_{HH:MM}`.

  /usr/bin/python3 bench/original/run_original.py --accounts FILE --workdir DIR --graph-url URL [--lead 40]

FILE is JSON: [{"schedule_id", "threads_user_id", "token", "text", "image_url"}]. Prints one JSON line
{"event": "ready", "due_at": ms} once every job is registered and the scheduler runs, then one JSON line
{"event": "done", ...} when every job due at that minute has run, failed or been reported missed.
"""

import argparse
import json
import os
import sqlite3
import sys
import threading
import time
from datetime import datetime, timezone

try:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger
    import apscheduler
    import sqlalchemy
except ImportError as error:
    print(
        f"The original stack is not installed ({error}). Install Debian's packages:\n"
        "  sudo apt-get install -y python3-apscheduler python3-sqlalchemy\n"
        "and run this with /usr/bin/python3.",
        file=sys.stderr,
    )
    sys.exit(3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--graph-url", required=True)
    ap.add_argument("--lead", type=float, default=40.0, help="seconds from now to the earliest due minute")
    ap.add_argument("--timeout", type=float, default=900.0)
    args = ap.parse_args()

    app_db = os.path.join(args.workdir, "app.sqlite")
    os.environ["ORIGINAL_APP_DB"] = app_db
    os.environ["ORIGINAL_GRAPH_URL"] = args.graph_url.rstrip("/")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import original_app  # noqa: E402  (reads the environment above)

    accounts = json.load(open(args.accounts))
    conn = sqlite3.connect(app_db)
    conn.executescript(
        "create table accounts (id integer primary key, threads_user_id text, access_token text, is_active integer);"
        "create table schedules (id integer primary key, account_id integer);"
        "create table post_groups (id integer primary key, account_id integer, text text, image_url text);"
    )
    for i, a in enumerate(accounts, start=1):
        conn.execute("insert into accounts values (?, ?, ?, 1)", (i, a["threads_user_id"], a["token"]))
        conn.execute("insert into schedules values (?, ?)", (a["schedule_id"], i))
        conn.execute("insert into post_groups values (?, ?, ?, ?)", (i, i, a["text"], a.get("image_url")))
    conn.commit()
    conn.close()

    # The earliest whole minute at least `lead` seconds away: every job is due then, in the same second.
    now = time.time()
    due = (int((now + args.lead) // 60) + 1) * 60
    due_dt = datetime.fromtimestamp(due, timezone.utc)
    hhmm = due_dt.strftime("%H:%M")

    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{os.path.join(args.workdir, 'jobs.sqlite')}")},
        executors={"default": ThreadPoolExecutor(20)},
        timezone=timezone.utc,
    )
    lock = threading.Lock()
    counts = {"executed": 0, "error": 0, "missed": 0}
    done = threading.Event()
    total = len(accounts)

    def listener(event):
        kind = "missed" if event.code == EVENT_JOB_MISSED else "error" if event.exception else "executed"
        with lock:
            counts[kind] += 1
            if sum(counts.values()) >= total:
                done.set()

    scheduler.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    t0 = time.time()
    for a in accounts:
        scheduler.add_job(
            original_app.execute_scheduled_post,
            CronTrigger(hour=due_dt.hour, minute=due_dt.minute, timezone=timezone.utc),
            args=[a["schedule_id"]],
            id=f"schedule_{a['schedule_id']}_{hhmm}",
            replace_existing=True,
        )
    scheduler.start()
    setup_s = time.time() - t0
    if time.time() >= due:
        print(json.dumps({"event": "error", "message": f"setup took {setup_s:.1f} s: raise --lead"}), flush=True)
        scheduler.shutdown(wait=False)
        sys.exit(2)
    print(
        json.dumps(
            {
                "event": "ready",
                "due_at": due * 1000,
                "setup_ms": round(setup_s * 1000),
                "apscheduler": apscheduler.__version__,
                "sqlalchemy": sqlalchemy.__version__,
                "python": sys.version.split()[0],
            }
        ),
        flush=True,
    )
    finished = done.wait(timeout=max(0, due - time.time()) + args.timeout)
    settled_ms = round((time.time() - due) * 1000)
    scheduler.shutdown(wait=True)
    with lock:
        print(json.dumps({"event": "done", "finished": finished, "settled_ms": settled_ms, **counts}), flush=True)


if __name__ == "__main__":
    main()
