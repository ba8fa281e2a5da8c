import Foundation
@testable import ProctorEngine

/// A run's event log as an independent checker reads it: one dictionary per JSON line.
typealias LogLines = [[String: Any]]

/// Runs the engine and reads its event log, for the tests that check whole runs.
enum TestLog {
    /// The whole headless walkthrough and its parsed log; with `resync`, one more sync round
    /// ten minutes after the end, its lines appended.
    static func run(seed: UInt64, students: Int = 5, resync: Bool = false, data: ExamData = .defaults()) -> (Simulation, LogLines) {
        let sim = Simulation(config: .init(data: data, studentCount: students, seed: seed, encodesLog: true))
        var bytes: [UInt8] = []
        _ = try! Headless.run(sim) { bytes += $0 }
        if resync {
            sim.schedule(.start(.sync), at: sim.now + .seconds(600))
            sim.runUntilQuiet()
            bytes += sim.takeEncodedLog()
        }
        return (sim, parse(bytes))
    }

    /// JSON Lines, one object per line.
    static func parse(_ bytes: [UInt8]) -> LogLines {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// The lines of one type, in log order.
    static func of(_ log: LogLines, _ type: String) -> LogLines { log.filter { $0["type"] as? String == type } }

    static func count(_ log: LogLines, _ type: String) -> Int { of(log, type).count }

    /// The `send` lines of one mechanism, and of one message kind if given.
    static func sends(_ log: LogLines, _ mech: String, _ msg: String? = nil) -> LogLines {
        of(log, "send").filter { $0["mech"] as? String == mech && (msg == nil || $0["msg"] as? String == msg) }
    }
}

/// An integer field of a log line.
func int(_ d: [String: Any], _ key: String) -> Int { d[key] as! Int }
