#!/usr/bin/env python3
"""Regenerates Sources/ProctorEngine/Model/DefaultData.swift from Data/*.json, so the
compiled-in defaults stay byte-for-byte the files users edit. Run it after editing Data/;
the test suite fails while the two differ."""
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
out = ["/// The Data/ files as compiled in, so `proctor` runs from any directory. A test keeps them",
       "/// equal to the files in Data/, which are what users edit (scripts/embed_data.py).",
       "enum DefaultData {"]
for name in ["scenario", "roster", "questions"]:
    body = (root / "Data" / f"{name}.json").read_text(encoding="utf-8").rstrip("\n")
    out += [f'    static let {name} = #"""', body, '"""#', ""]
out[-1:] = ["}"]
(root / "Sources/ProctorEngine/Model/DefaultData.swift").write_text("\n".join(out) + "\n", encoding="utf-8")
