#!/usr/bin/env python3
"""Writes N signed meeting.participant_joined/left deliveries for bench/webhooks.lua.

usage: sign_deliveries.py SECRET MEETING_ID COUNT > deliveries.tsv
Half are the host, half guests; every body is distinct (bench/webhooks.lua sends each once).
"""
import hashlib, hmac, json, sys, time

secret, meeting, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = int(time.time())
# Zoom reports what already happened: event times lie in the last count/2 seconds.
first = now - count // 2 - 1
for i in range(count):
    event = "meeting.participant_joined" if i % 2 == 0 else "meeting.participant_left"
    host = i % 4 < 2
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(first + i // 2))
    participant = {"user_id": str(16778240 + i // 2), "user_name": "Teacher" if host else "Student",
                   "id": "hostid" if host else "", "participant_uuid": "p%d" % (i // 2),
                   "email": "", ("join_time" if i % 2 == 0 else "leave_time"): stamp}
    if i % 2:
        participant["leave_reason"] = "left the meeting. Reason : left the meeting"
    body = json.dumps({"event": event, "event_ts": now * 1000 + i, "payload": {"account_id": "bench",
        "object": {"id": meeting, "uuid": "benchuuid==", "host_id": "hostid", "topic": "Bench",
                   "type": 2, "start_time": stamp, "timezone": "", "duration": 60,
                   "participant": participant}}}, separators=(",", ":"))
    ts = str(now)
    sig = "v0=" + hmac.new(secret.encode(), ("v0:%s:%s" % (ts, body)).encode(), hashlib.sha256).hexdigest()
    print("%s\t%s\t%s" % (ts, sig, body))
