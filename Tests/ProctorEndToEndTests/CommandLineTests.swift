import Foundation
import Testing

let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts")
let checker = scripts.appendingPathComponent("check_results.py").path
let replicaChecker = scripts.appendingPathComponent("check_replicas.py").path

/// The command-line contract: exit codes, messages, outputs.
@Suite struct CommandLineTests {
    /// `proctor-bench --help` prints its usage and exits 0, measuring nothing; an argument it
    /// does not know is refused (exit 2) instead of running the whole suite.
    @Test func theBenchmarksSayHowToRunThem() throws {
        let bench = URL(fileURLWithPath: proctorBinary).deletingLastPathComponent().appendingPathComponent("proctor-bench").path
        try #require(FileManager.default.isExecutableFile(atPath: bench), "no proctor-bench beside \(proctorBinary)")
        for flag in ["--help", "-h"] {
            let r = try runProgram(bench, [flag])
            #expect(r.status == 0)
            #expect(r.stdout.hasPrefix("Usage: proctor-bench [--quick] [--skip-interactive] [--only-step-back]"), "\(r.stdout)")
            #expect(r.stdout.contains("--only-step-back    run the step-back part alone"))
            #expect(!r.stdout.contains("benchmarks ("), "nothing measured")
        }
        let wrong = try runProgram(bench, ["--quik"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.hasPrefix("proctor-bench: unknown argument --quik") && wrong.stderr.contains("Usage:"), "\(wrong.stderr)")
        #expect(wrong.stdout.isEmpty, "nothing measured")
    }

    @Test func headlessRunsSyncAndWritesTheOutputs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--events", "\(dir)/e.jsonl", "--out", "\(dir)/o"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("sync") && r.stdout.contains("invariants   all held"))
        #expect(FileManager.default.fileExists(atPath: "\(dir)/o/results.xlsx"))
        let log = try String(contentsOfFile: "\(dir)/e.jsonl", encoding: .utf8)
        #expect(log.contains("\"type\":\"clock_adjust\""))
        let again = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--events", "\(dir)/e2.jsonl", "--out", "\(dir)/o"])
        #expect(again.status == 0)
        #expect(try String(contentsOfFile: "\(dir)/e2.jsonl", encoding: .utf8) == log, "same seed, same log")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    /// `--shiviz FILE` headless: the run for ShiViz, two lines an event; the event log it is
    /// made from is left only when asked for; it may not be the event log itself.
    @Test func headlessWritesAShiVizFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runProgram(proctorBinary, ["--headless", "--seed", "2", "--students", "3", "--out", "\(dir)/o", "--shiviz", "\(dir)/run.log"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\(dir)/run.log"), "listed among the outputs")
        let lines = try String(contentsOfFile: "\(dir)/run.log", encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 400 && lines.count % 2 == 0)
        #expect(lines[0] == "main {\"main\":1}" && lines[1].hasPrefix("send "))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/o").allSatisfy { !$0.hasPrefix(".") }, "no hidden source left")
        let same = try runProgram(proctorBinary, ["--headless", "--events", "\(dir)/x", "--shiviz", "\(dir)/x"])
        #expect(same.status == 2 && same.stderr.contains("--shiviz and --events must name different files"))
        let tour = try runProgram(proctorBinary, ["--headless", "--tour"])
        #expect(tour.status == 2 && tour.stderr.contains("--tour needs the screen"), "\(tour.stderr)")
    }

    /// results.xlsx, read by an independent reader, agrees with the event log.
    /// Each fault kind through `--fault`, at a moment where it hurts: the run finishes (no
    /// phase stalls), logs the fault and its end, and its workbook and replicas agree with the
    /// log under the independent checkers.
    @Test(arguments: [
        ("crash main at exam+290s for 30s", 2), ("crash backup at exam+280s for 40s", 2), ("crash teacher at sync+0s for 10s", 2),
        ("crash student-2 at isa+3s for 20s", 2), ("crash replica-3 at consistency+1s for 8s", 2), ("crash main at consistency+2s for 10s", 2),
        ("crash main at sync+100ms for 5s", 2), ("drop student-3->main at consistency+0s for 20s", 2),
        ("delay main->student-1 by 800ms at exam+0s for 60s", 2), ("partition student-4 at isa+2s for 10s", 2),
        ("partition student-2 at consistency+0s for 15s", 2), ("clockjump student-5 by -8s at exam+5s", 1),
    ])
    func eachFaultKindEndsInAFinishedRunTheCheckersAccept(spec: String, lines: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runProgram(proctorBinary, ["--headless", "--seed", "3", "--students", "5", "--fault", spec,
                                               "--events", "\(dir)/e.jsonl", "--out", "\(dir)/o"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("faults       \(spec)"), "\(r.stdout)")
        #expect(!r.stdout.contains("stalled") && r.stdout.contains("invariants   all held"), "\(r.stdout)")
        let log = try String(contentsOfFile: "\(dir)/e.jsonl", encoding: .utf8)
        let kind = String(spec.prefix { $0 != " " })
        #expect(log.components(separatedBy: "\"type\":\"fault\",\"kind\":\"\(kind)\"").count == 2, "one fault line")
        #expect(log.components(separatedBy: "\"type\":\"recover\"").count == lines, "a recover line when it has an end")
        #expect(log.contains("\"type\":\"phase\",\"name\":\"done\""))
        let check = try runProgram("/usr/bin/env", ["python3", checker, "\(dir)/o/results.xlsx", "\(dir)/e.jsonl"])
        #expect(check.status == 0 && check.stdout.contains("5 rows agree"), "\(check.stdout)\(check.stderr)")
        let replicas = try runProgram("/usr/bin/env", ["python3", replicaChecker, "\(dir)/o", "\(dir)/e.jsonl"])
        #expect(replicas.status == 0, "\(replicas.stdout)\(replicas.stderr)")
    }

    @Test(arguments: [(1, 5), (2, 12), (3, 1), (4, 30)])
    func theWorkbookAgreesWithTheLog(seed: Int, students: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runProgram(proctorBinary, ["--headless", "--seed", "\(seed)", "--students", "\(students)",
                                               "--events", "\(dir)/e.jsonl", "--out", "\(dir)/o"])
        #expect(r.status == 0, "\(r.stderr)")
        let check = try runProgram("/usr/bin/env", ["python3", checker, "\(dir)/o/results.xlsx", "\(dir)/e.jsonl"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("\(students) rows agree"))
        let replicas = try runProgram("/usr/bin/env", ["python3", replicaChecker, "\(dir)/o", "\(dir)/e.jsonl"])
        #expect(replicas.status == 0, "\(replicas.stderr)")
        #expect(replicas.stdout.contains("last logged write"))
        // A copy edited by hand no longer matches its checksum.
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: "\(dir)/o/replicas/replica-3/chunk-2.json"))
        #expect(try runProgram("/usr/bin/env", ["python3", replicaChecker, "\(dir)/o"]).status == 1)
        // The checker is not a rubber stamp: a log whose marks disagree is rejected.
        let log = try String(contentsOfFile: "\(dir)/e.jsonl", encoding: .utf8)
        let tampered = log.replacingOccurrences(of: "\"final\":0}", with: "\"final\":7}")
            .replacingOccurrences(of: "\"warnings\":0,", with: "\"warnings\":3,")
        try tampered.write(toFile: "\(dir)/bad.jsonl", atomically: true, encoding: .utf8)
        #expect(try runProgram("/usr/bin/env", ["python3", checker, "\(dir)/o/results.xlsx", "\(dir)/bad.jsonl"]).status == 1)
    }

    @Test(arguments: [["--students", "0"], ["--speed", "32"], ["--bogus"], ["--seed", "x"], ["--students"], ["--speed", "0x10"],
                      ["--students", "-1"], ["--speed", "-3"]])
    func badFlagsPrintUsageAndExitTwo(args: [String]) throws {
        let r = try runProgram(proctorBinary, ["--headless"] + args)
        #expect(r.status == 2)
        #expect(r.stderr.components(separatedBy: "Usage: proctor").count == 2, "the usage, once: \(r.stderr)")
        #expect(r.stdout.isEmpty)
        if args.count == 2 { #expect(!r.stderr.contains("Missing value"), "a negative number is a value, and a wrong one: \(r.stderr)") }
    }

    @Test func helpAndVersionExitZero() throws {
        let help = try runProgram(proctorBinary, ["--help"])
        #expect(help.status == 0)
        for flag in ["--students", "--seed", "--speed", "--data", "--out", "--events", "--headless", "--replay", "--no-color", "--version",
                     "--fault", "--chaos", "crash NODE at PHASE+DUR [for DUR]", "clockjump NODE by ±DUR at PHASE+DUR"] {
            #expect(help.stdout.contains(flag), "help lacks \(flag)")
        }
        let v = try runProgram(proctorBinary, ["--version"])
        #expect(v.status == 0 && !v.stdout.isEmpty)
    }

    @Test func aMalformedDataFileNamesTheFileAndTheFieldAndExitsTwo() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("{ \"clocks\": { \"max_skew_ms\": \"lots\" } }".utf8).write(to: URL(fileURLWithPath: "\(dir)/scenario.json"))
        let r = try runProgram(proctorBinary, ["--headless", "--data", dir, "--out", "\(dir)/o"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("scenario.json") && r.stderr.contains("clocks.max_skew_ms"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/o"), "nothing is written when the data is bad")
    }

    @Test func anUnwritableOutSaysSoAndExitsTwo() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("x".utf8).write(to: URL(fileURLWithPath: "\(dir)/file"))
        let r = try runProgram(proctorBinary, ["--headless", "--out", "\(dir)/file/sub"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write") && r.stderr.contains("\(dir)/file/sub"))
    }

    @Test func runsFromAnyDirectoryWithTheBuiltInData() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runProgram(proctorBinary, ["--headless", "--seed", "4", "--students", "12"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("12 students"))
        #expect(FileManager.default.fileExists(atPath: "\(dir)/output/results.xlsx"))
    }

    /// A record replays only on the data it was made with: a changed file is named, exit 2.
    @Test func aReplayWithAChangedDataFileNamesItAndExitsTwo() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let shipped = scripts.deletingLastPathComponent().appendingPathComponent("Data")
        try FileManager.default.createDirectory(atPath: "\(dir)/data", withIntermediateDirectories: true)
        var hashes: [String] = []
        for name in ["questions.json", "roster.json", "scenario.json"] {
            try FileManager.default.copyItem(atPath: shipped.appendingPathComponent(name).path, toPath: "\(dir)/data/\(name)")
            let sum = try runProgram("/usr/bin/env", ["sha256sum", "\(dir)/data/\(name)"])
            hashes.append("\"\(name)\": \"\(sum.stdout.prefix(64))\"")
        }
        let record = """
            { "format": "proctor-session", "version": 1, "seed": 8, "students": 2, "speed": 1,
              "data": { \(hashes.joined(separator: ", ")) }, "faults": [],
              "commands": [ { "at_us": 1234567, "name": "sync_clocks", "args": {}, "after": 0 },
                            { "at_us": 1400000, "name": "quit", "args": {}, "after": 3 } ] }
            """
        try Data(record.utf8).write(to: URL(fileURLWithPath: "\(dir)/session.json"))
        let ok = try runProgram(proctorBinary, ["--replay", "\(dir)/session.json", "--headless", "--data", "\(dir)/data",
                                                "--events", "\(dir)/e.jsonl", "--out", "\(dir)/o"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let log = try String(contentsOfFile: "\(dir)/e.jsonl", encoding: .utf8)
        #expect(log.hasPrefix("{\"t\":1234,\"type\":\"command\",\"name\":\"sync_clocks\",\"at_us\":1234567}\n"))
        #expect(log.split(separator: "\n").filter { $0.contains("\"type\":\"recv\"") }.count == 3, "exactly 3 events before quit")

        try Data("{ \"students\": [ { \"roll\": 1, \"name\": \"Zed\" } ] }\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/data/roster.json"))
        let changed = try runProgram(proctorBinary, ["--replay", "\(dir)/session.json", "--headless", "--data", "\(dir)/data", "--out", "\(dir)/o"])
        #expect(changed.status == 2)
        #expect(changed.stderr.contains("\(dir)/data/roster.json differs from the data of the recorded lesson"), "\(changed.stderr)")
        #expect(!changed.stderr.contains("questions.json") && !changed.stderr.contains("scenario.json"))
        #expect(changed.stdout.isEmpty)

        // Flags the record settles are refused; a damaged record names its field.
        let seed = try runProgram(proctorBinary, ["--replay", "\(dir)/session.json", "--headless", "--seed", "9"])
        #expect(seed.status == 2 && seed.stderr.contains("--seed 9 conflicts"), "\(seed.stderr)")
        try Data(record.replacingOccurrences(of: "\"students\": 2", with: "\"students\": 0").utf8)
            .write(to: URL(fileURLWithPath: "\(dir)/bad.json"))
        let bad = try runProgram(proctorBinary, ["--replay", "\(dir)/bad.json", "--headless"])
        #expect(bad.status == 2 && bad.stderr.contains("\(dir)/bad.json: field 'students'"), "\(bad.stderr)")
        let chaos = try runProgram(proctorBinary, ["--replay", "\(dir)/session.json", "--headless", "--chaos", "1"])
        #expect(chaos.status == 2 && chaos.stderr.contains("conflict with --replay"), "\(chaos.stderr)")
        try Data(record.replacingOccurrences(of: "\"faults\": []", with: "\"faults\": [\"drop main->student-3 at exam+1s for 2s\"]").utf8)
            .write(to: URL(fileURLWithPath: "\(dir)/faulty.json"))
        let faulty = try runProgram(proctorBinary, ["--replay", "\(dir)/faulty.json", "--headless"])
        #expect(faulty.status == 2 && faulty.stderr.contains("\(dir)/faulty.json: field 'faults[0]'")
                && faulty.stderr.contains("student-3 is not in this class of 2"), "\(faulty.stderr)")
        try Data(record.replacingOccurrences(of: "\"faults\": []", with: "\"faults\": [\"drop main->student-2 at exam+1s for 2s\"]").utf8)
            .write(to: URL(fileURLWithPath: "\(dir)/faults.json"))
        try FileManager.default.removeItem(atPath: "\(dir)/data/roster.json")
        try FileManager.default.copyItem(atPath: shipped.appendingPathComponent("roster.json").path, toPath: "\(dir)/data/roster.json")
        let replayed = try runProgram(proctorBinary, ["--replay", "\(dir)/faults.json", "--headless", "--data", "\(dir)/data", "--out", "\(dir)/o"])
        #expect(replayed.status == 0, "\(replayed.stderr)")
        #expect(replayed.stdout.contains("\n  faults       drop main->student-2 at exam+1s for 2s\n"), "the record's faults reach the replay: \(replayed.stdout)")
        let missing = try runProgram(proctorBinary, ["--replay", "\(dir)/absent.json", "--headless"])
        #expect(missing.status == 2 && missing.stderr.contains("\(dir)/absent.json: cannot be read"), "\(missing.stderr)")
    }

    /// A bad --fault or --chaos is quoted, with what was expected: exit 2 before anything runs.
    @Test(arguments: [
        (["--fault", "crash main at exam60s"], ["--fault \"crash main at exam60s\"", "expected PHASE+DURATION after \"at\", like exam+60s"]),
        (["--fault", "crash main at exam+1s", "--fault", "drop main at exam+1s for 5s"], ["--fault \"drop main at exam+1s for 5s\"", "A->B"]),
        (["--fault", "crash admin at sync+0s"], ["\"crash admin at sync+0s\"", "cannot fail"]),
        (["--chaos", "-1"], ["--chaos \"-1\"", "faults per virtual minute"]),
        (["--chaos", "lots"], ["--chaos \"lots\""]),
        (["--chaos", "61"], ["--chaos \"61\"", "from 0 to 60"]),
    ] as [([String], [String])])
    func aBadFaultOrChaosIsQuotedAndExitsTwo(args: [String], words: [String]) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runProgram(proctorBinary, ["--headless", "--out", "\(dir)/o"] + args)
        #expect(r.status == 2)
        for w in words { #expect(r.stderr.contains(w), "\(r.stderr) lacks \(w)") }
        #expect(r.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/o"))
    }

    /// The run's faults — the scenario's, --fault's, then --chaos's from the seed — reach its
    /// configuration, which the headless headline lists; a student beyond the class is refused.
    @Test func theRunsFaultsAreListedAndChaosFollowsTheSeed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("{ \"faults\": [\"partition replica-2 at replication+0s for 5s\"] }".utf8)
            .write(to: URL(fileURLWithPath: "\(dir)/scenario.json"))
        func run(_ extra: [String]) throws -> ProcessResult {
            try runProgram(proctorBinary, ["--headless", "--seed", "3", "--students", "3", "--data", dir, "--out", "\(dir)/o"] + extra)
        }
        /// The faults the headline lists, one a line.
        func faults(_ r: ProcessResult) -> [String] {
            let lines = r.stdout.split(separator: "\n").map(String.init)
            guard let first = lines.firstIndex(where: { $0.hasPrefix("  faults ") }) else { return [] }
            let rest = lines[first...].prefix { $0 == lines[first] || $0.hasPrefix("               ") && !$0.contains("=") }
            return rest.map { String($0.dropFirst(15)) }
        }
        let given = try run(["--fault", " crash  main at exam + 60s for 20s", "--fault", "clockjump student-3 by -2s at sync+1s"])
        #expect(given.status == 0, "\(given.stderr)")
        #expect(faults(given) == ["partition replica-2 at replication+0s for 5s", "crash main at exam+60s for 20s",
                                  "clockjump student-3 by -2s at sync+1s"], "\(given.stdout)")

        let chaos = try run(["--chaos", "3"])
        #expect(chaos.status == 0, "\(chaos.stderr)")
        let listed = faults(chaos)
        #expect(listed.count > 5 && listed.first == "partition replica-2 at replication+0s for 5s", "\(chaos.stdout)")
        #expect(faults(try run(["--chaos", "3"])) == listed, "the same seed, the same schedule")
        #expect(faults(try run(["--chaos", "0"])) == ["partition replica-2 at replication+0s for 5s"])

        let outside = try run(["--fault", "crash student-4 at exam+1s"])
        #expect(outside.status == 2)
        #expect(outside.stderr.contains("--fault \"crash student-4 at exam+1s\": student-4 is not in this class of 3"), "\(outside.stderr)")
        try Data("{ \"faults\": [\"crash student-9 at exam+1s\"] }".utf8).write(to: URL(fileURLWithPath: "\(dir)/scenario.json"))
        let file = try run([])
        #expect(file.status == 2)
        #expect(file.stderr.contains("\(dir)/scenario.json: field 'faults[0]' \"crash student-9 at exam+1s\""), "\(file.stderr)")
        try Data("{ \"faults\": [\"crash student-9 at exam60s\"] }".utf8).write(to: URL(fileURLWithPath: "\(dir)/scenario.json"))
        let malformed = try run([])
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("scenario.json: field 'faults[0]' \"crash student-9 at exam60s\": expected PHASE+DURATION"),
                "\(malformed.stderr)")
    }

    @Test func theInteractiveScreenWithoutATerminalExplainsItself() throws {
        let r = try runProgram(proctorBinary, ["--seed", "1"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--headless"))
    }
}

/// What `--events` (and every output) may replace: a regular file, or the regular file a
/// symbolic link leads to. A FIFO, a directory, a link to a FIFO are refused with exit 2 and
/// left as they were; an output of the run is refused as an event log.
@Suite struct OutputPathTests {
    @Test func aFIFOIsRefusedAndLeftAFIFO() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo("\(dir)/pipe", 0o644) == 0)
        let r = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--students", "2", "--out", "\(dir)/o", "--events", "\(dir)/pipe"])
        #expect(r.status == 2 && r.stderr.contains("FIFO"), "\(r.stderr)")
        var st = stat()
        #expect(lstat("\(dir)/pipe", &st) == 0 && st.st_mode & S_IFMT == S_IFIFO, "still a FIFO")
        #expect(symlink("\(dir)/pipe", "\(dir)/link") == 0)
        let viaLink = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--students", "2", "--out", "\(dir)/o", "--events", "\(dir)/link"])
        #expect(viaLink.status == 2 && viaLink.stderr.contains("FIFO"), "\(viaLink.stderr)")
        let directory = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--students", "2", "--out", "\(dir)/o", "--events", dir])
        #expect(directory.status == 2 && directory.stderr.contains("directory"), "\(directory.stderr)")
    }

    @Test func aLinkToARegularFileKeepsTheLinkAndReplacesItsTarget() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "old".write(toFile: "\(dir)/target.jsonl", atomically: true, encoding: .utf8)
        #expect(symlink("\(dir)/target.jsonl", "\(dir)/events.jsonl") == 0)
        let r = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--students", "2", "--out", "\(dir)/o", "--events", "\(dir)/events.jsonl"])
        #expect(r.status == 0, "\(r.stderr)")
        var st = stat()
        #expect(lstat("\(dir)/events.jsonl", &st) == 0 && st.st_mode & S_IFMT == S_IFLNK, "the link is still a link")
        let log = try String(contentsOfFile: "\(dir)/target.jsonl", encoding: .utf8)
        #expect(log.hasPrefix("{") && log.contains("\"type\":\"phase\""))
    }

    /// A bad `--events` is found before anything is made: no empty output directory.
    @Test func aBadEventLogPathLeavesNoOutputDirectory() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo("\(dir)/pipe", 0o644) == 0)
        for events in ["\(dir)/pipe", "\(dir)/no/such/dir/e.jsonl"] {
            let r = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--out", "\(dir)/o", "--events", events])
            #expect(r.status == 2, "\(events): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/o"), "no output directory made for \(events)")
        }
    }

    @Test func anOutputOfTheRunIsRefusedAsTheEventLog() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["results.xlsx", "replication_metadata.json", "replicas/replica-1/chunk-1.json"] {
            let r = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--out", "\(dir)/o", "--events", "\(dir)/o/\(name)"])
            #expect(r.status == 2 && r.stderr.contains("one of the outputs"), "\(name): \(r.stderr)")
        }
    }
}

/// A run killed before it finished leaves its temporary files; the next run into the same
/// place removes those of processes no longer running, and never a live one's.
@Suite struct StaleTemporaryTests {
    @Test func theNextRunRemovesTheTemporariesOfDeadRuns() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var dead: Int32 = 999_999
        while kill(dead, 0) == 0 || errno != ESRCH { dead -= 1 }
        try FileManager.default.createDirectory(atPath: "\(dir)/o/replicas/replica-2", withIntermediateDirectories: true)
        let stale = ["\(dir)/o/.results.xlsx.tmp-\(dead)", "\(dir)/o/.replication_metadata.json.tmp-\(dead)-3",
                     "\(dir)/o/replicas/replica-2/.chunk-1.json.tmp-\(dead)-12", "\(dir)/.e.jsonl.tmp-\(dead)-1"]
        let live = "\(dir)/o/.session.json.tmp-\(getpid())-1"
        for f in stale + [live] { try "x".write(toFile: f, atomically: false, encoding: .utf8) }
        let r = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--students", "2", "--out", "\(dir)/o", "--events", "\(dir)/e.jsonl"])
        #expect(r.status == 0, "\(r.stderr)")
        for f in stale { #expect(!FileManager.default.fileExists(atPath: f), "\(f) removed") }
        #expect(FileManager.default.fileExists(atPath: live), "a live process's temporary is left alone")
    }
}

/// A full disk under `--out`: the run says which file could not be written and why, exits 2,
/// and leaves no temporary file behind — never exit 0 over an unreadable workbook.
@Suite(.serialized) struct FullDiskTests {
    @Test(arguments: [(16, 3), (40, 40)])
    func aFullDiskEndsTheRunWithExit2AndTheFileNamed(_ c: (kilobytes: Int, students: Int)) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = "\(dir)/o"
        try withSmallDisk(at: out, kilobytes: c.kilobytes, for: "FullDiskTests") {
            let r = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--students", "\(c.students)", "--out", out, "--events", "\(out)/e.jsonl"])
            #expect(r.status == 2, "a full disk is not a success: \(r.status) \(r.stdout.suffix(300)) \(r.stderr)")
            #expect(r.stderr.contains("No space left on device"), "\(r.stderr)")
            let left = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.contains(".tmp") }
            #expect(left.isEmpty, "temporary files left: \(left)")
        }
    }

    /// The event log's own disk fills: the log is kept as far as it got, every line whole,
    /// its last line saying it is incomplete and why; the run exits 2 saying so.
    @Test func aFullDiskUnderTheEventLogSavesItMarkedIncomplete() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let logs = "\(dir)/logs"
        try withSmallDisk(at: logs, kilobytes: 24, for: "FullDiskTests") {
            let r = try runProgram(proctorBinary, ["--headless", "--seed", "1", "--students", "5", "--out", "\(dir)/o", "--events", "\(logs)/e.jsonl"])
            #expect(r.status == 2, "\(r.status) \(r.stderr)")
            #expect(r.stderr.contains("No space left on device") && r.stderr.contains("saved incomplete"), "\(r.stderr)")
            let text = try String(contentsOfFile: "\(logs)/e.jsonl", encoding: .utf8)
            #expect(text.hasSuffix("\n"))
            let lines = text.split(separator: "\n")
            #expect(lines.count > 20)
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["t"] is Int && object?["type"] is String, "every line whole: \(line)")
            }
            let last = try #require(lines.last.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            #expect(last["type"] as? String == "log_incomplete")
            #expect((last["reason"] as? String)?.contains("No space left on device") == true, "\(last)")
            let left = try FileManager.default.contentsOfDirectory(atPath: logs).filter { $0.contains(".tmp") }
            #expect(left.isEmpty, "temporary files left: \(left)")
        }
    }
}
