import Crypto
import Foundation
import Testing
import ProctorEngine

/// Pins whole runs: the SHA-256 of the headless event log of a matrix of runs (class sizes,
/// seeds, targeted faults, chaos) against `testdata/pinned-logs.txt`. A refactor of the host
/// or a speed-up of the engine must leave every line of every run as it was; a change meant
/// to change runs regenerates the file and says so in its commit:
///
///     PROCTOR_UPDATE_PINS=1 swift test --filter PinnedLogTests
@Suite struct PinnedLogTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var students: Int
        var seed: UInt64
        var faults: [String] = []
        var chaos: Double = 0

        var key: String {
            "n\(students) seed\(seed)" + (chaos > 0 ? " chaos\(chaos)" : "") + faults.map { " [\($0)]" }.joined()
        }
        var testDescription: String { key }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        for n in [1, 2, 5, 17, 40] {
            for seed: UInt64 in [1, 4, 42] { cases.append(Case(students: n, seed: seed)) }
        }
        cases += [Case(students: 100, seed: 1), Case(students: 250, seed: 2)]
        cases += [
            Case(students: 5, seed: 3, faults: ["crash main at exam+295s for 20s"]),
            Case(students: 5, seed: 3, faults: ["crash backup at exam+290s for 30s"]),
            Case(students: 5, seed: 3, faults: ["crash replica-2 at replication+0s for 10s"]),
            Case(students: 5, seed: 3, faults: ["crash replica-1 at consistency+1s for 5s"]),
            Case(students: 5, seed: 3, faults: ["partition student-2 at isa+1s for 10s"]),
            Case(students: 5, seed: 3, faults: ["clockjump student-3 by +20s at exam+40s"]),
            Case(students: 5, seed: 7, faults: ["drop student-1->main at exam+60s for 30s", "delay main->student-2 by 2s at exam+10s for 60s"]),
        ]
        for seed: UInt64 in [1, 2, 3] {
            for n in [2, 5, 17] { cases.append(Case(students: n, seed: seed, chaos: 2)) }
        }
        return cases
    }()

    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata/pinned-logs.txt")

    static func digest(_ c: Case) throws -> String {
        let faults = try c.faults.map { try FaultSpec.parse($0) }
        let data = ExamData.defaults()
        let config = try Simulation.Config(data: data, studentCount: c.students, seed: c.seed, encodesLog: true,
                                           commandLineFaults: faults, chaosRate: c.chaos)
        let sim = Simulation(config: config)
        sim.encodeLogLater()   // as `proctor --headless --events` does: lines encoded as they are taken
        var hasher = SHA256()
        var lines = 0
        let report = try Headless.run(sim) { bytes in
            hasher.update(data: bytes)
            lines += bytes.lazy.filter { $0 == UInt8(ascii: "\n") }.count
        }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return "\(hex) \(lines) lines, \(report.brokenInvariants.count) broken"
    }

    static func pinned() -> [String: String] {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [:] }
        var map: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { map[String(parts[0])] = String(parts[1]) }
        }
        return map
    }

    @Test func everyRunIsAsPinned() throws {
        var actual: [(String, String)] = []
        for c in Self.cases { actual.append((c.key, try Self.digest(c))) }
        if ProcessInfo.processInfo.environment["PROCTOR_UPDATE_PINS"] == "1" {
            let text = "# key\tsha256 of the headless event log, its lines, broken invariants\n"
                + actual.map { "\($0.0)\t\($0.1)\n" }.joined()
            try text.write(to: Self.file, atomically: true, encoding: .utf8)
            return
        }
        let pinned = Self.pinned()
        #expect(!pinned.isEmpty, "no pins in testdata/pinned-logs.txt: PROCTOR_UPDATE_PINS=1 swift test --filter PinnedLogTests")
        for (key, value) in actual {
            #expect(pinned[key] == value, "the run \(key) changed: \(value), pinned \(pinned[key] ?? "nothing")")
        }
    }
}
