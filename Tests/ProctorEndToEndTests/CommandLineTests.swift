import Foundation
import Testing

let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts")
let checker = scripts.appendingPathComponent("check_results.py").path
let replicaChecker = scripts.appendingPathComponent("check_replicas.py").path

/// The command-line contract: exit codes, messages, outputs.
@Suite struct CommandLineTests {
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

    /// results.xlsx, read by an independent reader, agrees with the event log.
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

    @Test(arguments: [["--students", "0"], ["--speed", "32"], ["--bogus"], ["--seed", "x"], ["--students"]])
    func badFlagsPrintUsageAndExitTwo(args: [String]) throws {
        let r = try runProgram(proctorBinary, ["--headless"] + args)
        #expect(r.status == 2)
        #expect(r.stderr.contains("Usage: proctor"))
        #expect(r.stdout.isEmpty)
    }

    @Test func helpAndVersionExitZero() throws {
        let help = try runProgram(proctorBinary, ["--help"])
        #expect(help.status == 0)
        for flag in ["--students", "--seed", "--speed", "--data", "--out", "--events", "--headless", "--replay", "--no-color", "--version"] {
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
        let missing = try runProgram(proctorBinary, ["--replay", "\(dir)/absent.json", "--headless"])
        #expect(missing.status == 2 && missing.stderr.contains("\(dir)/absent.json: cannot be read"), "\(missing.stderr)")
    }

    @Test func theInteractiveScreenWithoutATerminalExplainsItself() throws {
        let r = try runProgram(proctorBinary, ["--seed", "1"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--headless"))
    }
}
