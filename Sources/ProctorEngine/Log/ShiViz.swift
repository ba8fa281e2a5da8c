#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FoundationEssentials

/// The run in ShiViz's input format, made from the event log (JSON Lines): for each event of
/// a node, a line `HOST {"HOST": n, …}` — its vector clock — then a line describing it.
///
/// A node's clock ticks by one at each of its events; a receive first merges the clock the
/// message carried (the sender's at its send). Events that belong to no one node (a phase,
/// an operator's command, a round's summary, storage, an invariant check) are left out.
/// ShiViz reads the file with the regular expression `ShiViz.regex`.
public struct ShiViz: Sendable {
    /// Paste into ShiViz's "log parsing regular expression" box.
    public static let regex = #"(?<host>\S*) (?<clock>\{.*\})\n(?<event>.*)"#

    private var clocks: [String: [String: Int]] = [:]
    /// The clock each message carries, by message id.
    private var carried: [Int: [String: Int]] = [:]

    public init() {}

    /// The fields of a log line that say whose event it is and what happened.
    struct Line: Decodable {
        var type: String
        var from: String?, to: String?, node: String?, student: String?, server: String?
        var replica: Int?
        var mech: String?, msg: String?, id: Int?, dup: Bool?
        var ts: Int?, count: Int?, chunk: Int?, version: Int?, mode: String?, reason: String?, kind: String?
        var choice: String?, busy: Int?, delta_ms: Int?

        enum Key: String, CodingKey {
            case type, from, to, node, student, server, replica, mech, msg, id, dup, ts, count, chunk, version, mode, reason, kind, choice, busy, delta_ms
        }

        /// Each field as the line types that use it have it; another type's field of the same
        /// name and another kind (a command's `choice`) is left out.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            type = try c.decode(String.self, forKey: .type)
            func text(_ k: Key) -> String? { (try? c.decodeIfPresent(String.self, forKey: k)) ?? nil }
            func int(_ k: Key) -> Int? { (try? c.decodeIfPresent(Int.self, forKey: k)) ?? nil }
            from = text(.from); to = text(.to); node = text(.node); student = text(.student); server = text(.server)
            replica = int(.replica); mech = text(.mech); msg = text(.msg); id = int(.id)
            dup = (try? c.decodeIfPresent(Bool.self, forKey: .dup)) ?? nil
            ts = int(.ts); count = int(.count); chunk = int(.chunk); version = int(.version); mode = text(.mode)
            reason = text(.reason); kind = text(.kind); choice = text(.choice); busy = int(.busy); delta_ms = int(.delta_ms)
        }
    }

    /// The ShiViz lines (two) of one event-log line, or nothing for an event of no one node.
    mutating func convert(_ json: ArraySlice<UInt8>) throws -> [UInt8] {
        let line = try JSONDecoder().decode(Line.self, from: Data(json))
        guard let (host, text) = Self.describe(line) else { return [] }
        var clock = clocks[host] ?? [:]
        if line.type == "recv", let id = line.id, let theirs = carried[id] {
            for (h, n) in theirs where n > clock[h] ?? 0 { clock[h] = n }
        }
        clock[host, default: 0] += 1
        clocks[host] = clock
        if line.type == "send", let id = line.id { carried[id] = clock }
        let vector = clock.keys.sorted().map { "\"\($0)\":\(clock[$0]!)" }.joined(separator: ",")
        return Array("\(host) {\(vector)}\n\(text)\n".utf8)
    }

    /// Whose event a line is, and its description; nil for a line of no one node.
    static func describe(_ l: Line) -> (host: String, text: String)? {
        func msg() -> String { "\(l.msg ?? "?") (\(l.mech ?? "?") #\(l.id ?? 0))" }
        switch l.type {
        case "send": return l.from.map { ($0, "send \(msg()) to \(l.to ?? "?")") }
        case "recv": return l.to.map { ($0, "recv \(msg()) from \(l.from ?? "?")" + (l.dup == true ? " duplicate" : "")) }
        case "clock_adjust": return l.node.map { ($0, "clock_adjust \(l.delta_ms.map { ($0 >= 0 ? "+" : "") + String($0) } ?? "?") ms") }
        case "cs_request": return l.node.map { ($0, "cs_request ts \(l.ts ?? 0)") }
        case "cs_enter": return l.node.map { ($0, "cs_enter") }
        case "cs_exit": return l.node.map { ($0, "cs_exit (\(l.reason ?? "done"))") }
        case "warning": return l.student.map { ($0, "warning \(l.count ?? 0)") }
        case "redirect": return ("main", "redirect \(l.student ?? "?") to backup (\(l.busy ?? 0) busy)")
        case "submit": return l.server.map { ($0, "submit \(l.student ?? "?") recorded (\(l.reason ?? "?"))") }
        case "replica_write": return l.replica.map { ("replica-\($0)", "replica_write chunk \(l.chunk ?? 0) v\(l.version ?? 0)") }
        case "lock_request", "lock_acquire", "lock_release":
            return ("main", "\(l.type) \(l.node ?? "?") chunk \(l.chunk ?? 0) \(l.mode ?? "")")
        case "demo_choice": return l.student.map { ($0, "demo_choice \(l.choice ?? "?")") }
        case "failover": return l.student.map { ($0, "failover to backup") }
        case "fault", "recover": return l.node.map { ($0, "\(l.type) \(l.kind ?? "?")") }
        default: return nil
        }
    }

    /// The ShiViz file of a whole event log held in memory.
    public static func convert(_ jsonLines: [UInt8]) throws -> [UInt8] {
        var s = ShiViz(), out: [UInt8] = []
        var start = 0
        for i in jsonLines.indices where jsonLines[i] == UInt8(ascii: "\n") {
            if i > start { out += try s.convert(jsonLines[start..<i]) }
            start = i + 1
        }
        return out
    }

    /// Reads the event log at `events` a piece at a time and writes the ShiViz file at `path`
    /// (atomically: all of it, or nothing).
    public static func convertFile(events: String, to path: String) throws(StorageError) {
        let fd = open(events, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError(path: events, errno: errno) }
        defer { close(fd) }
        let out = try AtomicFileWriter(path: path)
        var s = ShiViz(), pending: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 20)
        var lineNumber = 0
        do throws(StorageError) {
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StorageError(path: events, errno: errno)
                }
                if n == 0 { break }
                pending += chunk[..<n]
                var start = 0, written: [UInt8] = []
                for i in pending.indices where pending[i] == UInt8(ascii: "\n") {
                    lineNumber += 1
                    do {
                        written += try s.convert(pending[start..<i])
                    } catch {
                        throw StorageError(path: path, reason: "line \(lineNumber) of \(events) is not an event-log line")
                    }
                    start = i + 1
                }
                pending.removeFirst(start)
                try out.write(written)
            }
            try out.commit()
        } catch {
            out.abort()
            throw error
        }
    }
}
