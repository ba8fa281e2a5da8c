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
        for flag in ["--students", "--seed", "--speed", "--data", "--out", "--events", "--headless", "--no-color", "--version"] {
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

    @Test func theInteractiveScreenWithoutATerminalExplainsItself() throws {
        let r = try runProgram(proctorBinary, ["--seed", "1"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--headless"))
    }
}
