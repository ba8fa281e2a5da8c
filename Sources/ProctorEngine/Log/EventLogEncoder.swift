/// JSON Lines encoding of log entries, in the field order of the contract (`t`, `type`,
/// then the type's fields). Hand-written so it is fast and byte-for-byte stable.
public enum EventLogEncoder {
    public static func encode(_ e: LogEntry, into out: inout [UInt8]) {
        out += RawBytes.collect { encode(e, into: &$0) }
    }

    /// The last line of an event log that could not be completed: `log_incomplete`, at the
    /// virtual time the log stops, with the reason.
    public static func incompleteMarker(at t: VirtualTime, reason: String) -> [UInt8] {
        RawBytes.collect { out in
            var w = JSONObjectWriter.begin(&out)
            w.field("t", t.milliseconds)
            w.field("type", "log_incomplete")
            w.field("reason", reason)
            w.end(&out)
            out.append("\n")
        }
    }

    static func encode(_ e: LogEntry, into out: inout RawBytes) {
        var w = JSONObjectWriter.begin(&out)
        w.field("t", e.t.milliseconds)
        w.field("type", e.type)
        switch e.kind {
        case .phase(let p):
            w.field("name", p.rawValue)
        case .command(let c):
            w.field("name", c.logName)
            switch c {
            case .toggleTakeover(let s), .submitExam(let s), .requestMarksheet(let s), .isaKey(let s, _), .demo(let s, _):
                w.field("student", NodeID.student(s))
            case .answer(let s, let choice):
                w.field("student", NodeID.student(s))
                w.field("choice", Int64(choice))
            case .inject(let spec):
                w.field("spec", spec.description)
            case .restart(let node):
                w.field("node", node)
            default: break
            }
            w.field("at_us", e.t.microseconds)
        case .send(let m):
            message(m, &w)
        case .recv(let m, let dup):
            message(m, &w)
            if dup { w.field("dup", true) }
        case .clockAdjust(let node, let before, let delta):
            w.field("node", node)
            w.field("local_before_ms", before.milliseconds)
            w.field("delta_ms", delta.milliseconds)
            w.field("delta_us", delta.microseconds)
        case .syncResult(let r):
            w.field("round", Int64(r.round))
            w.field("spread_before_ms", r.spreadBefore.milliseconds)
            w.field("spread_after_ms", r.spreadAfter.milliseconds)
            w.field("max_rtt_ms", r.maxRoundTrip.milliseconds)
            w.field("outliers", r.outliers.map(\.description))
            // Under faults, the clocks the spread leaves out, and why.
            if !r.leftOut.isEmpty { w.field("left_out", r.leftOut.map(\.description)) }
            if !r.notAdjusted.isEmpty { w.field("adjust_lost", r.notAdjusted.map(\.description)) }
            if !r.jumped.isEmpty { w.field("jumped", r.jumped.map(\.description)) }
        case .invariant(let name, let detail):
            w.field("name", name)
            w.field("detail", detail)
        case .warning(let s, let count):
            w.field("student", s)
            w.field("count", Int64(count))
        case .flagDropped(let s):
            w.field("student", s)
        case .redirect(let s, let busy):
            w.field("student", s)
            w.field("from", NodeID.main)
            w.field("to", NodeID.backup)
            w.field("busy", Int64(busy))
        case .submit(let r):
            w.field("student", r.student)
            w.field("roll", Int64(r.roll))
            w.field("reason", r.reason.rawValue)
            w.field("server", r.server)
            w.field("arrived", r.arrived.milliseconds)
            w.field("started", r.started.milliseconds)
            w.field("warnings", Int64(r.warnings))
            w.field("raw", Int64(r.raw))
            w.field("final", Int64(r.final))
        case .csRequest(let node, let ts):
            w.field("node", node)
            w.field("ts", Int64(ts))
        case .csEnter(let node):
            w.field("node", node)
        case .csExit(let node, let isa, let reason):
            w.field("node", node)
            if let isa { w.field("isa", Int64(isa)) } else { w.fieldNull("isa") }
            w.field("reason", reason.rawValue)
        case .isaRefused(let node, let reason):
            w.field("node", node)
            w.field("reason", reason)
        case .replicaWrite(let r, let c, let v, let roll, let isa):
            w.field("replica", Int64(r))
            w.field("chunk", Int64(c))
            w.field("version", Int64(v))
            if let roll {
                w.field("roll", Int64(roll))
                w.field("isa", isa.map(Int64.init))
            }
        case .demoChoice(let s, let choice):
            w.field("student", s)
            w.field("choice", choice)
        case .integrity(let r, let c, let problem, let from):
            w.field("replica", Int64(r))
            w.field("chunk", Int64(c))
            w.field("problem", problem.rawValue)
            w.field("repaired_from", from.map(Int64.init))
        case .metadataRefused(let detail):
            w.field("detail", detail)
        case .fault(let kind, let node, let from, let to, let detail):
            w.field("kind", kind)
            if let node { w.field("node", node) }
            if let from { w.field("from", from) }
            if let to { w.field("to", to) }
            if let detail { w.field("detail", detail) }
        case .recover(let kind, let node, let from, let to):
            w.field("kind", kind)
            if let node { w.field("node", node) }
            if let from { w.field("from", from) }
            if let to { w.field("to", to) }
        case .drop(let id, let reason):
            w.field("id", Int64(id))
            w.field("reason", reason)
        case .failover(let student, let reason):
            w.field("student", student)
            w.field("from", NodeID.main)
            w.field("to", NodeID.backup)
            w.field("reason", reason)
        case .storage(let node, let r):
            w.field("node", node)
            w.field("op", r.op.rawValue)
            w.field("path", r.path)
            w.field("sha256", r.sha256)
            w.field("outcome", r.outcome.rawValue)
        case .lockRequest(let n, let c, let m), .lockAcquire(let n, let c, let m), .lockRelease(let n, let c, let m):
            w.field("node", n)
            w.field("chunk", Int64(c))
            w.field("mode", m.rawValue)
        }
        w.end(&out)
        out.append(0x0A)
    }

    private static func message(_ m: Envelope, _ w: inout JSONObjectWriter) {
        w.field("from", m.from)
        w.field("to", m.to)
        w.field("mech", m.payload.mechanism.rawValue)
        w.field("msg", m.payload.kind)
        w.field("id", Int64(m.id))
        switch m.payload {
        case .sync(let s):
            w.field("round", Int64(s.round))
            switch s {
            case .timeRequest: break
            case .timeReply(_, let local): w.field("local_ms", local.milliseconds)
            case .adjust(_, let delta): w.field("delta_ms", delta.milliseconds)
            }
        case .replica(let r):
            switch r {
            case .store(let c):
                w.field("chunk", Int64(c.chunk))
                w.field("version", Int64(c.version))
                w.field("rows", Int64(c.rows.count))
            case .stored(let c, let v, _), .written(let c, let v, _):
                w.field("chunk", Int64(c))
                w.field("version", Int64(v))
            case .read(let c, let roll):
                w.field("chunk", Int64(c))
                w.field("roll", Int64(roll))
            case .value(let c, let v, let isa):
                w.field("chunk", Int64(c))
                w.field("version", Int64(v))
                w.field("isa", isa.map(Int64.init))
            case .write(let c, let v, let roll, let isa):
                w.field("chunk", Int64(c))
                w.field("version", Int64(v))
                w.field("roll", Int64(roll))
                w.field("isa", Int64(isa))
            }
        case .lock(let l):
            switch l {
            case .lock(let c, let m, let req), .grant(let c, let m, _, let req):
                w.field("chunk", Int64(c))
                w.field("mode", m.rawValue)
                w.field("req", Int64(req))
            case .unlock(let c, let wrote, let req):
                w.field("chunk", Int64(c))
                if let wrote { w.field("version", Int64(wrote.version)) }
                w.field("req", Int64(req))
            }
        case .ra(let r):
            switch r {
            case .request(let ts):
                w.field("ts", Int64(ts))
            case .reply(let ts, let request):
                w.field("ts", Int64(ts))
                w.field("request_ts", Int64(request))
            }
        case .exam(let e):
            switch e {
            case .question(let q, let deadline):
                w.field("q", Int64(q))
                w.field("deadline_ms", deadline.milliseconds)
            case .answer(let q, let choice):
                w.field("q", Int64(q))
                if let choice { w.field("choice", Int64(choice)) }
            case .submit(let s):
                w.field("reason", s.reason.rawValue)
                w.field("warnings", Int64(s.warnings))
            case .forward(let k, let s, _):
                w.field("student", NodeID.student(k))
                w.field("reason", s.reason.rawValue)
            case .recorded(let r):
                w.field("student", r.student)
                w.field("final", Int64(r.final))
            case .mark(let isa, let reason):
                w.field("isa", isa.map(Int64.init))
                w.field("reason", reason.rawValue)
            case .recall, .resume:
                break
            case .claims(let students):
                w.field("students", students.map { NodeID.student($0).description })
            case .whose(let k):
                w.field("student", NodeID.student(k))
            case .owner(let k, let main):
                w.field("student", NodeID.student(k))
                w.field("owner", main ? NodeID.main : NodeID.backup)
            case .ack(let final, let server):
                w.field("final", Int64(final))
                w.field("server", server)
            case .flag(let n):
                w.field("n", Int64(n))
            }
        }
    }
}

/// Writes one flat JSON object, field by field, into a byte buffer it holds for the
/// duration of one record (`begin` and `end` hand the caller's buffer in and out). Keys are
/// literals that need no escaping; numbers and node ids are written digit by digit, without
/// building strings.
struct JSONObjectWriter {
    private var bytes: RawBytes
    private var first = true

    static func begin(_ out: inout RawBytes) -> JSONObjectWriter {
        var w = JSONObjectWriter(bytes: out)
        out = RawBytes()
        w.bytes.append(UInt8(ascii: "{"))
        return w
    }

    mutating func end(_ out: inout RawBytes) {
        bytes.append(UInt8(ascii: "}"))
        out = bytes
        bytes = RawBytes()
    }

    private mutating func key(_ k: StaticString) {
        bytes.reserve(k.utf8CodeUnitCount + 4)
        if !first { bytes.appendReserved(UInt8(ascii: ",")) }
        first = false
        bytes.appendReserved(UInt8(ascii: "\""))
        bytes.appendReserved(k.utf8Start, k.utf8CodeUnitCount)
        bytes.appendReserved(UInt8(ascii: "\""))
        bytes.appendReserved(UInt8(ascii: ":"))
    }

    mutating func field(_ k: StaticString, _ v: Int64) {
        key(k)
        Self.integer(v, into: &bytes)
    }

    mutating func field(_ k: StaticString, _ v: String) {
        key(k)
        Self.string(v, into: &bytes)
    }

    /// A node id as the log names it: `main`, `student-12`, `replica-3`.
    mutating func field(_ k: StaticString, _ v: NodeID) {
        key(k)
        bytes.append(UInt8(ascii: "\""))
        switch v {
        case .student(let n):
            bytes.append("student-")
            Self.integer(Int64(n), into: &bytes)
        case .replica(let n):
            bytes.append("replica-")
            Self.integer(Int64(n), into: &bytes)
        default:
            Self.raw(v.description, into: &bytes)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func field(_ k: StaticString, _ v: Bool) {
        key(k)
        bytes.append(v ? "true" : "false")
    }

    mutating func fieldNull(_ k: StaticString) {
        key(k)
        bytes.append("null")
    }

    mutating func field(_ k: StaticString, _ v: [String]) {
        key(k)
        bytes.append(UInt8(ascii: "["))
        for (i, s) in v.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.string(s, into: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    static func integer(_ v: Int64, into out: inout RawBytes) {
        out.reserve(20)
        if v < 0 { out.appendReserved(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20 && m >= scale { digits += 1; scale = scale &* 10 }
        var i = digits
        repeat {
            i -= 1
            out.base[out.count + i] = UInt8(ascii: "0") + UInt8(m % 10)
            m /= 10
        } while i > 0
        out.count += digits
    }

    /// A string known to need no escaping.
    private static func raw(_ s: String, into out: inout RawBytes) {
        var s = s
        s.withUTF8 { out.append($0.baseAddress!, $0.count) }
    }

    static func string(_ s: String, into out: inout RawBytes) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            // Most strings need no escaping: copy them whole.
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                if let base = utf8.baseAddress { out.append(base, utf8.count) }
                return
            }
            for b in utf8 {
                switch b {
                case UInt8(ascii: "\""): out.append("\\\"")
                case UInt8(ascii: "\\"): out.append("\\\\")
                case 0x0A: out.append("\\n")
                case 0x0D: out.append("\\r")
                case 0x09: out.append("\\t")
                case 0..<0x20:
                    out.append("\\u00")
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 0xF)])
                default: out.append(b)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// A growable run of bytes written through a raw pointer, for the encoders' inner loops:
/// no uniqueness or exclusivity checks per byte. A plain value that does not own its memory:
/// `ByteStore` (or `collect`) allocates and frees it.
struct RawBytes {
    var base: UnsafeMutablePointer<UInt8>
    var count = 0
    var capacity: Int

    init() {
        base = UnsafeMutablePointer(bitPattern: 1)!   // placeholder; never written (capacity 0)
        capacity = 0
    }

    init(capacity: Int) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    func free() { if capacity > 0 { base.deallocate() } }

    @inline(__always) mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(to: count + n) }
    }

    private mutating func grow(to needed: Int) {
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: max(needed, capacity * 2, 256))
        if count > 0 { new.update(from: base, count: count) }
        free()
        base = new
        capacity = max(needed, capacity * 2, 256)
    }

    @inline(__always) mutating func appendReserved(_ b: UInt8) {
        base[count] = b
        count += 1
    }

    @inline(__always) mutating func appendReserved(_ p: UnsafePointer<UInt8>, _ n: Int) {
        (base + count).update(from: p, count: n)
        count += n
    }

    @inline(__always) mutating func append(_ b: UInt8) {
        reserve(1)
        appendReserved(b)
    }

    mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        appendReserved(p, n)
    }

    mutating func append(_ s: StaticString) {
        append(s.utf8Start, s.utf8CodeUnitCount)
    }

    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// The bytes `body` writes, as an array.
    static func collect(_ body: (inout RawBytes) -> Void) -> [UInt8] {
        var r = RawBytes(capacity: 256)
        body(&r)
        defer { r.free() }
        return r.bytes
    }
}
