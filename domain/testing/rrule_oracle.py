#!/usr/bin/env python3
"""An independent RFC 5545 expansion (python-dateutil + zoneinfo) for the recurrence specs.

Reads a JSON list of cases {rrule, dtstart, zone, after, n} on stdin: dtstart is a wall-clock
time "YYYY-MM-DDTHH:MM:SS" in the IANA zone, after an instant in epoch milliseconds. Prints, for
each case, the epoch milliseconds of the first n occurrences strictly after `after`.

dateutil expands an aware dtstart in wall-clock time and attaches the zone with fold=0, so a
repeated wall time is its earlier instant and a skipped one is read with the offset before the gap.
"""
import json
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr


def expand(case):
    dtstart = datetime.fromisoformat(case["dtstart"]).replace(tzinfo=ZoneInfo(case["zone"]))
    rule = rrulestr(case["rrule"], dtstart=dtstart)
    found = []
    for occurrence in rule:
        instant = round(occurrence.astimezone(timezone.utc).timestamp() * 1000)
        if instant > case["after"]:
            found.append(instant)
        if len(found) == case["n"]:
            break
    return found


json.dump([expand(case) for case in json.load(sys.stdin)], sys.stdout)
