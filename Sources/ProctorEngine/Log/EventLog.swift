import DequeModule

/// The run's event log: keeps the most recent entries for screens and, when asked, encodes
/// every entry as a JSON Lines record into a buffer the runtime drains to a file.
public struct EventLog: Sendable {
    public private(set) var recent: Deque<LogEntry> = []
    public private(set) var count = 0
    /// Bytes encoded since the run began: where this point of the run ends in the log file.
    public private(set) var encodedTotal = 0
    public let recentCapacity: Int
    private let encodes: Bool
    private let pending = ByteStore()

    public init(recentCapacity: Int = 2400, encodes: Bool) {
        self.recentCapacity = recentCapacity
        self.encodes = encodes
    }

    public mutating func append(_ entry: LogEntry) {
        count += 1
        if recent.count == recentCapacity { recent.removeFirst() }
        recent.append(entry)
        if encodes {
            let before = pending.count
            pending.append { EventLogEncoder.encode(entry, into: &$0) }
            encodedTotal += pending.count - before
        }
    }

    /// Keeps only the newest `n` recent entries (a step-back checkpoint needs no more: the
    /// screens' long scroll-back refills as the run goes on).
    mutating func trimRecent(keeping n: Int) {
        // A new buffer of just those: removing from the front would keep the old capacity.
        if recent.count > n { recent = Deque(recent.suffix(n)) }
    }

    /// Encoded lines not yet taken; empties the buffer.
    public mutating func takeEncoded() -> [UInt8] { pending.take() }

    /// Empties the buffer of encoded lines without copying them out (lines re-executed in
    /// the past, already in the log file).
    public mutating func discardEncoded() { pending.discard() }

    public var pendingByteCount: Int { pending.count }
}

/// Owns a `RawBytes` buffer that outlives one call: the event log's pending lines.
final class ByteStore: @unchecked Sendable {
    // Used by one owner at a time (the simulation's), hence unchecked.
    private var raw = RawBytes(capacity: 1 << 16)

    deinit { raw.free() }

    var count: Int { raw.count }

    func append(_ body: (inout RawBytes) -> Void) { body(&raw) }

    func discard() { raw.count = 0 }

    /// The bytes so far, and an empty buffer for what follows (its memory is kept).
    func take() -> [UInt8] {
        defer { raw.count = 0 }
        return raw.bytes
    }
}
