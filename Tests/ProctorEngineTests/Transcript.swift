/// A readable rendering of the JSON Lines event log: one line per log event, built from the
/// encoded log alone (never from the engine's internals), so it keeps working when the engine
/// is rewritten and shows exactly what its log says.
///
/// Known types get a compact form (`main → student-1  sync REQUEST #2 round=1`); every field
/// a form does not use is appended as `key=value` in log order, and a type the renderer does
/// not know is printed entirely as `key=value`, so new fields and new types show up.
enum Transcript {
    /// One line of the log: its fields in the order they were written.
    typealias Fields = [(key: String, value: JSONValueLine)]

    /// Renders a whole log, one output line per input line.
    static func render(_ log: [UInt8]) -> [String] {
        let lines: [Substring] = String(decoding: log, as: UTF8.self).split(separator: "\n")
        return lines.map { line in
            do throws(JSONLineError) {
                return render(try JSONLineParser.parse(line))
            } catch {
                return "!! unparsable log line (\(error.reason)): \(line)"
            }
        }
    }

    /// Renders one parsed line: the time in seconds, right-aligned, then the event.
    static func render(_ fields: Fields) -> String {
        var f = FieldList(fields)
        let time: String
        if case .int(let t)? = f.peek("t") {
            _ = f.take("t")
            time = seconds(t)
        } else {
            time = "?"
        }
        let body: String
        if case .string(let type)? = f.peek("type") {
            _ = f.take("type")
            body = event(type, f) ?? generic(type, f)
        } else {
            body = generic("(no type)", f)
        }
        return pad(time, 9) + "  " + body
    }

    // MARK: Known types

    /// Types whose line starts with the node or student it is about.
    private static let subjectTypes: Set<String> = [
        "warning", "flag_dropped", "submit", "cs_request", "cs_enter", "cs_exit", "isa_refused",
        "demo_choice", "lock_request", "lock_acquire", "lock_release",
    ]

    /// Fields holding a time in milliseconds without the `_ms` suffix that says so.
    private static let timeFields: [String: Set<String>] = ["submit": ["arrived", "started"]]

    /// The compact form of a known type, or nil to print the line generically (an unknown
    /// type, or a known one missing a field its form needs).
    private static func event(_ type: String, _ original: FieldList) -> String? {
        var f = original
        switch type {
        case "phase":
            guard let name = f.text("name") else { return nil }
            return "=== phase \(name)\(f.rest()) ==="
        case "command":
            guard let name = f.text("name") else { return nil }
            return "command \(name)\(f.rest())"
        case "send":
            guard let from = f.text("from"), let to = f.text("to"), let mech = f.text("mech"),
                  let msg = f.text("msg"), let id = f.integer("id") else { return nil }
            return "\(from) → \(to)  \(mech) \(msg) #\(id)\(f.rest())"
        case "recv":
            guard let from = f.text("from"), let to = f.text("to"), let mech = f.text("mech"),
                  let msg = f.text("msg"), let id = f.integer("id") else { return nil }
            let dup = f.flag("dup") ? " (dup)" : ""
            return "\(to) recv \(mech) \(msg) #\(id)\(dup) from \(from)\(f.rest())"
        case "clock_adjust":
            guard let node = f.text("node"), let before = f.integer("local_before_ms"),
                  let delta = f.integer("delta_ms") else { return nil }
            let micro = f.integer("delta_us").map { " (\(signed($0)) µs)" } ?? ""
            return "clock_adjust \(node) before \(seconds(before)) Δ \(signedSeconds(delta))\(micro)\(f.rest())"
        case "sync_result":
            guard let before = f.integer("spread_before_ms"), let after = f.integer("spread_after_ms"),
                  let rtt = f.integer("max_rtt_ms") else { return nil }
            let round = f.integer("round").map { " round \($0)" } ?? ""
            return "sync_result\(round)  spread \(seconds(before)) → \(seconds(after))  max rtt \(seconds(rtt))\(f.rest())"
        case "redirect":
            guard let student = f.text("student"), let from = f.text("from"), let to = f.text("to") else { return nil }
            return "redirect \(student) \(from) → \(to)\(f.rest())"
        case _ where subjectTypes.contains(type):
            guard let subject = f.text("node") ?? f.text("student") else { return nil }
            return "\(type) \(subject)\(f.rest(timeFields: timeFields[type] ?? []))"
        default:
            return nil
        }
    }

    private static func generic(_ type: String, _ f: FieldList) -> String { type + f.rest() }

    // MARK: Values

    /// Milliseconds as seconds: `12.345s`, `-0.210s`.
    static func seconds(_ ms: Int64) -> String { decimal(ms, places: 3) + "s" }

    static func signedSeconds(_ ms: Int64) -> String { (ms >= 0 ? "+" : "") + seconds(ms) }

    static func signed(_ v: Int64) -> String { (v >= 0 ? "+" : "") + String(v) }

    /// `value` / 10^places, written exactly.
    static func decimal(_ value: Int64, places: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let whole = value.magnitude / UInt64(scale), part = value.magnitude % UInt64(scale)
        let digits = String(part)
        return (value < 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: places - digits.count) + digits
    }

    static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }

    /// One field as `key=value`. Integers named `…_ms` (or listed in `times`) are shown in
    /// seconds (a `delta…` with its sign) and `…_us` in seconds to the microsecond, the suffix
    /// dropped.
    static func field(_ key: String, _ value: JSONValueLine, times: Set<String> = []) -> String {
        if case .int(let v) = value {
            if key.hasSuffix("_ms") { return "\(key.dropLast(3))=\(key.hasPrefix("delta") ? signedSeconds(v) : seconds(v))" }
            if key.hasSuffix("_us") { return "\(key.dropLast(3))=\(decimal(v, places: 6))s" }
            if times.contains(key) { return "\(key)=\(seconds(v))" }
        }
        return "\(key)=\(text(value))"
    }

    /// A value as the transcript shows it: a plain word bare, any other string quoted.
    static func text(_ value: JSONValueLine) -> String {
        switch value {
        case .int(let v): String(v)
        case .number(let s): s
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .string(let s): isWord(s) ? s : quoted(s)
        case .array(let items): "[" + items.map(text).joined(separator: ",") + "]"
        case .object(let fields): "{" + fields.map { field($0.key, $0.value) }.joined(separator: ",") + "}"
        }
    }

    private static func isWord(_ s: String) -> Bool {
        !s.isEmpty && s != "null" && s != "true" && s != "false" && s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_-.:/+".unicodeScalars.contains($0)
        } && !s.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || $0 == "-" || $0 == "." }
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where c.value < 0x20: out += "\\u{\(String(c.value, radix: 16))}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    /// The fields of one line, taken one by one as a form uses them.
    struct FieldList {
        private var fields: Fields

        init(_ fields: Fields) { self.fields = fields }

        func peek(_ key: String) -> JSONValueLine? { fields.first { $0.key == key }?.value }

        mutating func take(_ key: String) -> JSONValueLine? {
            guard let i = fields.firstIndex(where: { $0.key == key }) else { return nil }
            return fields.remove(at: i).value
        }

        /// A string field, taken only if it is one (anything else stays for `rest`).
        mutating func text(_ key: String) -> String? {
            guard case .string(let s)? = peek(key) else { return nil }
            _ = take(key)
            return s
        }

        mutating func integer(_ key: String) -> Int64? {
            guard case .int(let v)? = peek(key) else { return nil }
            _ = take(key)
            return v
        }

        /// A `true` flag, taken; any other value stays for `rest`.
        mutating func flag(_ key: String) -> Bool {
            guard case .bool(true)? = peek(key) else { return false }
            _ = take(key)
            return true
        }

        /// The fields not yet taken, as ` key=value` each, in log order.
        func rest(timeFields: Set<String> = []) -> String {
            fields.map { " " + Transcript.field($0.key, $0.value, times: timeFields) }.joined()
        }
    }
}

/// A JSON value as it appears in one log line. Integers stay exact; objects keep their order.
indirect enum JSONValueLine {
    case int(Int64)
    /// Any other number, as written.
    case number(String)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValueLine])
    case object([(key: String, value: JSONValueLine)])
}

struct JSONLineError: Error {
    var reason: String
}

/// Parses one JSON object (one log line), keeping the order of its fields.
struct JSONLineParser {
    private let bytes: [UInt8]
    private var i = 0

    static func parse(_ line: Substring) throws(JSONLineError) -> Transcript.Fields {
        var p = JSONLineParser(bytes: Array(line.utf8))
        p.skipSpace()
        guard case .object(let fields) = try p.value() else { throw JSONLineError(reason: "not an object") }
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.error("text after the object") }
        return fields
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ what: String) -> JSONLineError { JSONLineError(reason: "\(what) at byte \(i)") }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private mutating func expect(_ c: UInt8) throws(JSONLineError) {
        skipSpace()
        guard i < bytes.count, bytes[i] == c else { throw error("expected '\(Character(Unicode.Scalar(c)))'") }
        i += 1
    }

    private mutating func literal(_ word: String, _ v: JSONValueLine) throws(JSONLineError) -> JSONValueLine {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw error("bad literal") }
        i += w.count
        return v
    }

    private mutating func value() throws(JSONLineError) -> JSONValueLine {
        skipSpace()
        guard i < bytes.count else { throw error("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var fields: [(key: String, value: JSONValueLine)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
            while true {
                skipSpace()
                let key = try string()
                try expect(UInt8(ascii: ":"))
                fields.append((key, try value()))
                skipSpace()
                guard i < bytes.count else { throw error("unterminated object") }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
                try expect(UInt8(ascii: ","))
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValueLine] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                items.append(try value())
                skipSpace()
                guard i < bytes.count else { throw error("unterminated array") }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                try expect(UInt8(ascii: ","))
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default:
            return try number()
        }
    }

    private mutating func number() throws(JSONLineError) -> JSONValueLine {
        let start = i
        while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
        guard i > start else { throw error("unexpected character") }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if let v = Int64(text) { return .int(v) }
        guard Double(text) != nil else { throw error("bad number") }
        return .number(text)
    }

    private mutating func string() throws(JSONLineError) -> String {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a string") }
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard i < bytes.count else { throw error("unterminated escape") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), i + 1 < bytes.count,
                       bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("bad \\u escape") }
                    out += Array(String(Character(u)).utf8)
                default:
                    throw error("bad escape")
                }
            default:
                out.append(b)
            }
        }
        throw error("unterminated string")
    }

    private mutating func hex4() throws(JSONLineError) -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
            throw error("bad \\u escape")
        }
        i += 4
        return v
    }
}
