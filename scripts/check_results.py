#!/usr/bin/env python3
"""Checks a headless run's results.xlsx against its event log, independently of Proctor.

usage: check_results.py RESULTS_XLSX EVENTS_JSONL
Exits 0 when the workbook has the contract's header, one row per student in roll order,
numbers stored as numbers, and values that agree with the log's `submit` lines.
"""
import json
import sys

import openpyxl

HEADER = ["Roll", "Name", "MCQ", "Warnings", "Final", "Status", "Server", "ISA"]


def fail(msg):
    print("check_results: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    xlsx, events = sys.argv[1], sys.argv[2]
    wb = openpyxl.load_workbook(xlsx)
    if len(wb.worksheets) != 1:
        fail(f"{len(wb.worksheets)} sheets, expected 1")
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    if list(rows[0]) != HEADER:
        fail(f"header {rows[0]}")
    body = rows[1:]
    submits = {}
    for line in open(events, encoding="utf-8"):
        e = json.loads(line)
        if e["type"] == "submit":
            if e["roll"] in submits:
                fail(f"roll {e['roll']} submitted twice in the log")
            submits[e["roll"]] = e
    rolls = [r[0] for r in body]
    if rolls != sorted(rolls):
        fail("rows are not in roll order")
    if set(rolls) != set(submits):
        fail(f"rolls in the workbook {sorted(rolls)} differ from the log {sorted(submits)}")
    for roll, name, mcq, warnings, final, status, server, isa in body:
        e = submits[roll]
        for label, v in (("Roll", roll), ("MCQ", mcq), ("Warnings", warnings), ("Final", final)):
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                fail(f"roll {roll}: {label} is not a number: {v!r}")
        if not isinstance(name, str) or not name:
            fail(f"roll {roll}: no name")
        if (mcq, final, warnings) != (e["raw"], e["final"], e["warnings"]):
            fail(f"roll {roll}: workbook {(mcq, final, warnings)} vs log {(e['raw'], e['final'], e['warnings'])}")
        expected_status = "terminated" if e["reason"] == "terminated" else "submitted"
        if status != expected_status or server != e["server"]:
            fail(f"roll {roll}: workbook {(status, server)} vs log {(expected_status, e['server'])}")
    print(f"check_results: {len(body)} rows agree with the log")


if __name__ == "__main__":
    main()
