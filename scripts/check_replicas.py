#!/usr/bin/env python3
"""Checks the replicas under an --out directory, independently of Proctor.

usage: check_replicas.py OUT [EVENTS]
Exits 0 when replication_metadata.json lists 2 chunks split by roll (the first ceil(N/2)
rolls, then the rest), 3 copies each with paths inside OUT, every copy's SHA-256 matches its
file, the copies of a chunk are byte-identical, and their rows equal results.xlsx's. Given
the event log too, each copy's version must be that of the last replica_write it logged.
"""
import hashlib
import json
import math
import os
import sys

import openpyxl


def fail(msg):
    print("check_replicas: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    out = sys.argv[1]
    meta = json.load(open(os.path.join(out, "replication_metadata.json"), encoding="utf-8"))
    ws = openpyxl.load_workbook(os.path.join(out, "results.xlsx")).active
    rows = list(ws.iter_rows(values_only=True))
    header, body = list(rows[0]), rows[1:]
    by_roll = {r[0]: dict(zip(header, r)) for r in body}
    rolls = [r[0] for r in body]
    first = math.ceil(len(rolls) / 2)
    expected = {1: rolls[:first], 2: rolls[first:]}
    chunks = meta["chunks"]
    if [c["chunk"] for c in chunks] != [1, 2]:
        fail(f"chunks {[c['chunk'] for c in chunks]}, expected [1, 2]")
    for c in chunks:
        if c["rolls"] != expected[c["chunk"]]:
            fail(f"chunk {c['chunk']} rolls {c['rolls']}, expected {expected[c['chunk']]}")
        if sorted(x["replica"] for x in c["copies"]) != [1, 2, 3]:
            fail(f"chunk {c['chunk']}: copies on replicas {[x['replica'] for x in c['copies']]}")
        contents = set()
        for copy in c["copies"]:
            path = copy["path"]
            if os.path.isabs(path) or ".." in path.split("/"):
                fail(f"path {path} leaves the output directory")
            data = open(os.path.join(out, path), "rb").read()
            if hashlib.sha256(data).hexdigest() != copy["sha256"]:
                fail(f"{path}: checksum differs from the metadata")
            doc = json.loads(data)
            if doc["chunk"] != c["chunk"] or doc["version"] != copy["version"]:
                fail(f"{path}: chunk/version {doc['chunk']}/{doc['version']} disagree with the metadata")
            if [r["Roll"] for r in doc["rows"]] != c["rolls"]:
                fail(f"{path}: rows are not the chunk's rolls")
            for r in doc["rows"]:
                want = by_roll[r["Roll"]]
                for k in header:
                    if r[k] != want[k]:
                        fail(f"{path}: roll {r['Roll']} {k} is {r[k]!r}, results.xlsx says {want[k]!r}")
            contents.add(data)
        if len(contents) != 1:
            fail(f"chunk {c['chunk']}: the copies differ")
    if len(sys.argv) > 2:
        last = {}
        with open(sys.argv[2], encoding="utf-8") as log:
            for line in log:
                if '"replica_write"' in line:
                    e = json.loads(line)
                    if e["type"] == "replica_write":
                        last[(e["replica"], e["chunk"])] = e["version"]
        for c in meta["chunks"]:
            for copy in c["copies"]:
                want = last.get((copy["replica"], c["chunk"]))
                if copy["version"] != want:
                    fail(f"replica-{copy['replica']} chunk-{c['chunk']}: version {copy['version']}, the log's last write says {want}")
        print("check_replicas: every copy is at the version of its last logged write")
    print(f"check_replicas: 2 chunks x 3 copies agree with the metadata and results.xlsx")


if __name__ == "__main__":
    main()
