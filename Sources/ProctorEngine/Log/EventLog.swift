import DequeModule

/// The run's event log: keeps the most recent entries for screens and, when asked, every
/// entry for a file: encoded as a JSON Lines record at once (`.now`, which knows where each
/// point of the run ends in the file, as a step back needs), or kept as entries for a writer
/// thread to encode (`.later`: the engine's thread does not spend its time on JSON).
public struct EventLog: Sendable {
    /// Whether, and when, entries are encoded for a file.
    public enum Encoding: Sendable {
        case none
        case now
        case later
    }

    public private(set) var recent: Deque<LogEntry> = []
    public private(set) var count = 0
    /// Bytes encoded since the run began: where this point of the run ends in the log file
    /// (kept with `.now` only).
    public private(set) var encodedTotal = 0
    public private(set) var recentCapacity: Int
    public private(set) var encoding: Encoding
    private let pending = ByteStore()
    /// Entries not yet encoded (`.later`).
    private var unencoded: [LogEntry] = []

    public init(recentCapacity: Int = 2400, encoding: Encoding) {
        self.recentCapacity = recentCapacity
        self.encoding = encoding
    }

    public init(recentCapacity: Int = 2400, encodes: Bool) {
        self.init(recentCapacity: recentCapacity, encoding: encodes ? .now : .none)
    }

    public mutating func append(_ entry: LogEntry) {
        count += 1
        if recentCapacity > 0 {
            if recent.count == recentCapacity { recent.removeFirst() }
            recent.append(entry)
        }
        switch encoding {
        case .none: break
        case .now:
            let before = pending.count
            pending.append { EventLogEncoder.encode(entry, into: &$0) }
            encodedTotal += pending.count - before
        case .later:
            unencoded.append(entry)
        }
    }

    /// Keeps the entries for a writer to encode from now on (a log without a step back), and
    /// of the recent ones only the newest `keepingRecent` (a run without a screen needs none).
    public mutating func encodeLater(keepingRecent: Int) {
        if encoding == .now { encoding = .later }
        recentCapacity = min(recentCapacity, keepingRecent)
        trimRecent(keeping: recentCapacity)
    }

    /// Lines not yet taken, as a batch to encode on another thread; empties the buffer.
    public mutating func takeBatch() -> LogBatch {
        guard !unencoded.isEmpty else { return LogBatch(bytes: pending.take(), entries: []) }
        defer { unencoded.removeAll(keepingCapacity: true) }
        return LogBatch(bytes: pending.take(), entries: unencoded)
    }

    /// Entries waiting to be encoded (`.later`).
    public var unencodedCount: Int { unencoded.count }

    /// Keeps only the newest `n` recent entries (a step-back checkpoint needs no more: the
    /// screens' long scroll-back refills as the run goes on).
    mutating func trimRecent(keeping n: Int) {
        // A new buffer of just those: removing from the front would keep the old capacity.
        if recent.count > n { recent = Deque(recent.suffix(n)) }
    }

    /// Encoded lines not yet taken; empties the buffer.
    public mutating func takeEncoded() -> [UInt8] {
        guard !unencoded.isEmpty else { return pending.take() }
        return takeBatch().encoded()
    }

    /// Empties the buffer of encoded lines without copying them out (lines re-executed in
    /// the past, already in the log file).
    public mutating func discardEncoded() {
        pending.discard()
        unencoded.removeAll(keepingCapacity: true)
    }

    public var pendingByteCount: Int { pending.count }
}

/// Log lines on their way to a file: bytes already encoded, then entries still to encode.
public struct LogBatch: Sendable {
    public var bytes: [UInt8]
    public var entries: [LogEntry]

    public init(bytes: [UInt8], entries: [LogEntry] = []) {
        self.bytes = bytes
        self.entries = entries
    }

    public var isEmpty: Bool { bytes.isEmpty && entries.isEmpty }

    /// The lines as JSON Lines bytes.
    public func encoded() -> [UInt8] {
        guard !entries.isEmpty else { return bytes }
        var out = RawBytes(capacity: bytes.count + entries.count * 128)
        defer { out.free() }
        bytes.withUnsafeBufferPointer { if let p = $0.baseAddress { out.append(p, $0.count) } }
        for e in entries { EventLogEncoder.encode(e, into: &out) }
        return out.bytes
    }
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
