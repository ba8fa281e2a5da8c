import Foundation
import Testing
import ProctorEngine   // the public API only, as a user's run sees it

/// Fault scenarios as data-driven transcripts (in the manner of etcd raft's `testdata`): each
/// file under `testdata/faults/` is a script — the run (students, seed), its faults, which
/// part of the log to show — then `----`, then the public log lines of that part as the
/// transcript renders them. A change to how Proctor survives a fault shows as a diff of the
/// conversation. Regenerate after an intended change, and review the diff:
///
///     PROCTOR_UPDATE_TRANSCRIPTS=1 swift test --filter FaultScenarioTests
///
/// Script lines: `students N`, `seed S`, `fault SPEC` (as `--fault`, repeatable), `chaos R`,
/// `from PHASE[+DUR]` and `until PHASE[+DUR]` (the window shown; the whole run by default),
/// `show TYPE…` (the log types shown; all by default), `only NODE` (lines naming that node).
@Suite struct FaultScenarioTests {
    static let directory = TranscriptTests.testdata.appendingPathComponent("faults")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
    }

    struct Script {
        var header: [String] = []
        var students = 5
        var seed: UInt64 = 1
        var faults: [String] = []
        var chaos = 0.0
        var from: (phase: String, ms: Int64)?
        var until: (phase: String, ms: Int64)?
        var types: Set<String>?
        var only: String?

        /// Parses the part above `----`; a line it does not understand is an error.
        init(_ lines: [String]) throws {
            for line in lines {
                if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty {
                    header.append(line)
                    continue
                }
                header.append(line)
                let words = line.split(separator: " ", maxSplits: 1).map(String.init)
                let rest = words.count > 1 ? words[1] : ""
                switch words[0] {
                case "students": students = try Self.number(rest, line)
                case "seed": seed = UInt64(try Self.number(rest, line))
                case "fault": faults.append(rest)
                case "chaos":
                    guard let r = Double(rest) else { throw ScriptError(line: line) }
                    chaos = r
                case "from": from = try Self.moment(rest, line)
                case "until": until = try Self.moment(rest, line)
                case "show": types = Set(rest.split(separator: " ").map(String.init))
                case "only": only = rest
                default: throw ScriptError(line: line)
                }
            }
        }

        static func number(_ s: String, _ line: String) throws -> Int {
            guard let n = Int(s) else { throw ScriptError(line: line) }
            return n
        }

        /// `exam+35s`, `isa`, `consistency+500ms`, `exam+2m`.
        static func moment(_ s: String, _ line: String) throws -> (phase: String, ms: Int64) {
            let parts = s.split(separator: "+", maxSplits: 1).map(String.init)
            guard let phase = parts.first, Phase(rawValue: phase) != nil else { throw ScriptError(line: line) }
            guard parts.count == 2 else { return (phase, 0) }
            let d = parts[1]
            let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
            for (unit, scale) in units where d.hasSuffix(unit) {
                if let v = Int64(d.dropLast(unit.count)) { return (phase, v * scale) }
            }
            throw ScriptError(line: line)
        }
    }

    struct ScriptError: Error, CustomStringConvertible {
        var line: String
        var description: String { "cannot read the script line \"\(line)\"" }
    }

    /// Runs the script's walkthrough headless and renders the part of its log it shows.
    static func transcript(of s: Script) throws -> [String] {
        let faults = try s.faults.map { try FaultSpec.parse($0) }
        let config = try Simulation.Config(data: ExamData.defaults(), studentCount: s.students, seed: s.seed, encodesLog: true,
                                           commandLineFaults: faults, chaosRate: s.chaos)
        var bytes: [UInt8] = []
        _ = try Headless.run(Simulation(config: config)) { bytes += $0 }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        let parsed = try lines.map { try JSONLineParser.parse($0) }
        func value(_ f: Transcript.Fields, _ key: String) -> JSONValueLine? { f.first { $0.key == key }?.value }
        var phaseStart: [String: Int64] = [:]
        for f in parsed {
            if case .string("phase")? = value(f, "type"), case .string(let name)? = value(f, "name"), case .int(let t)? = value(f, "t"),
               phaseStart[name] == nil {
                phaseStart[name] = t
            }
        }
        func time(_ m: (phase: String, ms: Int64)?) -> Int64? {
            guard let m else { return nil }
            return phaseStart[m.phase].map { $0 + m.ms } ?? Int64.max   // a phase never reached: after the run
        }
        let from = time(s.from) ?? Int64.min, until = time(s.until) ?? Int64.max
        var out: [String] = []
        for f in parsed {
            guard case .int(let t)? = value(f, "t"), t >= from, t < until else { continue }
            if let types = s.types {
                guard case .string(let type)? = value(f, "type"), types.contains(type) else { continue }
            }
            if let node = s.only {
                guard f.contains(where: { if case .string(node) = $0.value { true } else { false } }) else { continue }
            }
            out.append(Transcript.render(f))
        }
        return out
    }

    @Test(arguments: files)
    func theFaultedRunMatchesItsTranscript(_ file: String) throws {
        let url = Self.directory.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        let all = TranscriptTests.lines(text)
        let cut = all.firstIndex(of: "----") ?? all.count
        let script = try Script(Array(all[..<cut]))
        let actual = try Self.transcript(of: script)
        let expected = cut < all.count ? Array(all[(cut + 1)...]) : []
        if ProcessInfo.processInfo.environment["PROCTOR_UPDATE_TRANSCRIPTS"] == "1" {
            if actual != expected {
                try ((script.header + ["----"] + actual).joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
            }
            return
        }
        #expect(!actual.isEmpty, "the script of \(file) shows no line of its run")
        if let diff = LineDiff.describe(expected: expected, actual: actual) {
            Issue.record("""
                the faulted run no longer matches testdata/faults/\(file):
                \(diff)
                If the change is intended, regenerate and review the diff before committing:
                  PROCTOR_UPDATE_TRANSCRIPTS=1 swift test --filter FaultScenarioTests
                """)
        }
    }

    @Test func everyTargetedFaultHasAScenario() {
        // The six the project keeps: main in the final burst, the backup, a replica in
        // replication and in the demo, the ISA holder cut off, a clock jump.
        #expect(Self.files.count >= 6)
        for kind in ["crash main", "crash backup", "crash replica-2 at replication", "crash replica-1 at consistency", "partition", "clockjump"] {
            let scripts = Self.files.compactMap { try? String(contentsOf: Self.directory.appendingPathComponent($0), encoding: .utf8) }
            #expect(scripts.contains { $0.contains("fault " + kind) }, "no scenario with fault \(kind)")
        }
    }
}
