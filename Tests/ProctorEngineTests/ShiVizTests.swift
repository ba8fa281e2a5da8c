import Foundation
import Testing
@testable import ProctorEngine

/// The ShiViz file: parsed with the regular expression the README gives, its vector clocks
/// say "happened before" exactly when the event log's program order and send/recv pairs do.
@Suite struct ShiVizTests {
    struct Event {
        var host: String
        var clock: [String: Int]
        var text: String
    }

    /// The events of a ShiViz file, read with `ShiViz.regex` as ShiViz would.
    static func parse(_ bytes: [UInt8]) throws -> [Event] {
        let text = String(decoding: bytes, as: UTF8.self)
        let re = try NSRegularExpression(pattern: ShiViz.regex)
        let ns = text as NSString
        return try re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            let clockText = ns.substring(with: m.range(withName: "clock"))
            let clock = try JSONSerialization.jsonObject(with: Data(clockText.utf8)) as! [String: Int]
            return Event(host: ns.substring(with: m.range(withName: "host")), clock: clock, text: ns.substring(with: m.range(withName: "event")))
        }
    }

    /// The message id a send or receive names (`… (ra #12) …`).
    static func messageID(_ text: String) -> Int? {
        guard text.hasPrefix("send ") || text.hasPrefix("recv "), let r = text.range(of: "#") else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }

    static func precedes(_ a: [String: Int], _ b: [String: Int]) -> Bool {
        a != b && a.allSatisfy { $0.value <= b[$0.key] ?? 0 }
    }

    @Test func vectorClocksGiveExactlyTheLogsHappenedBefore() throws {
        // Three students through sync, the exam, ISA and the replicas, with a crash on the way.
        var config = Simulation.Config(data: .defaults(), studentCount: 3, seed: 7, encodesLog: true)
        config.faults = [try FaultSpec.parse("crash student-2 at isa+0s for 3s")]
        let sim = Simulation(config: config)
        var bytes: [UInt8] = []
        _ = try Headless.run(sim) { bytes += $0 }
        let log = TestLog.parse(bytes)
        let events = try Self.parse(try ShiViz.convert(bytes))

        // Every send and every receive of the log is an event of its node.
        #expect(events.filter { $0.text.hasPrefix("send ") }.count == TestLog.count(log, "send"))
        #expect(events.filter { $0.text.hasPrefix("recv ") }.count == TestLog.count(log, "recv"))
        #expect(events.count > 300)

        // A node's own counter ticks by one per event.
        var seen: [String: Int] = [:]
        for e in events {
            seen[e.host, default: 0] += 1
            #expect(e.clock[e.host] == seen[e.host], "\(e.host): \(e.text)")
        }

        // Happened-before from the log: each node's events in order, each send before its receives.
        var edges = Array(repeating: [Int](), count: events.count)
        var last: [String: Int] = [:], sendOf: [Int: Int] = [:]
        for (i, e) in events.enumerated() {
            if let p = last[e.host] { edges[p].append(i) }
            last[e.host] = i
            if let id = Self.messageID(e.text) {
                if e.text.hasPrefix("send ") { sendOf[id] = i } else if let s = sendOf[id] { edges[s].append(i) }
            }
        }
        var reach = Array(repeating: Set<Int>(), count: events.count)
        for i in events.indices.reversed() {
            for j in edges[i] { reach[i].insert(j); reach[i].formUnion(reach[j]) }
        }
        // Both ways, over every pair: a → b exactly when a's clock is below b's.
        var checked = 0
        for a in events.indices {
            for b in events.indices where a != b {
                let before = reach[a].contains(b)
                #expect(before == Self.precedes(events[a].clock, events[b].clock), "\(events[a].text) → \(events[b].text)")
                checked += 1
            }
        }
        #expect(checked > 100_000)
    }
}
