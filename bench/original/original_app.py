"""The original system's posting job, as it ran under APScheduler 3 (reconstructed for the benchmark).

`execute_scheduled_post(schedule_id)`: load the schedule and its account from the app database, pick one of
the account's post groups at random, create the container (POST /v1.0/{user}/threads), wait 30 s if it has
media, then publish it (POST /v1.0/{user}/threads_publish). Errors are logged, as the original did.
"""

import json
import os
import random
import sqlite3
import time
import urllib.parse
import urllib.request

MEDIA_WAIT_SECONDS = float(os.environ.get("ORIGINAL_MEDIA_WAIT_SECONDS", "30"))
APP_DB = os.environ.get("ORIGINAL_APP_DB", "app.sqlite")
GRAPH_URL = os.environ.get("ORIGINAL_GRAPH_URL", "http://127.0.0.1:8787")


def _post(path, params):
    body = urllib.parse.urlencode(params).encode()
    req = urllib.request.Request(GRAPH_URL + path, data=body, method="POST")
    req.add_header("content-type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read().decode())


def execute_scheduled_post(schedule_id):
    conn = sqlite3.connect(APP_DB, timeout=30)
    try:
        row = conn.execute(
            "select a.threads_user_id, a.access_token, a.is_active from schedules s"
            " join accounts a on a.id = s.account_id where s.id = ?",
            (schedule_id,),
        ).fetchone()
        if row is None:
            print(f"schedule {schedule_id}: not found", flush=True)
            return
        user_id, token, active = row
        if not active:
            print(f"schedule {schedule_id}: account inactive", flush=True)
            return
        groups = conn.execute(
            "select g.text, g.image_url from post_groups g join schedules s on s.account_id = g.account_id"
            " where s.id = ?",
            (schedule_id,),
        ).fetchall()
    finally:
        conn.close()
    if not groups:
        print(f"schedule {schedule_id}: no post groups", flush=True)
        return
    text, image_url = random.choice(groups)
    try:
        params = {"access_token": token, "text": text}
        if image_url:
            params.update(media_type="IMAGE", image_url=image_url)
        else:
            params.update(media_type="TEXT")
        container = _post(f"/v1.0/{user_id}/threads", params)
        if image_url:
            time.sleep(MEDIA_WAIT_SECONDS)
        _post(
            f"/v1.0/{user_id}/threads_publish",
            {"access_token": token, "creation_id": container["id"]},
        )
    except Exception as error:  # the original logged API failures and moved on
        print(f"schedule {schedule_id}: API error: {error}", flush=True)
        raise
