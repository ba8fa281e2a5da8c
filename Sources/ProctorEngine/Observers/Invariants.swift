/// The invariants of the design, checked live by the invariant observer from what the log
/// records: who is in the ISA critical section, who holds each chunk's lock, who has been
/// recorded, what a sync round achieved — and, after each completed write and once
/// replication is done, whether the replicas' copies agree with each other and with main's
/// metadata. For each invariant it keeps whether it held, how many times it was checked,
/// and the first detail of a break.
///
/// It is a value fed one log line at a time (`observe`), so it is tested with hand-made
/// lines; the replica comparison (`replicaMismatch`) is a pure function of the copies.
public struct Invariants: Sendable, Equatable {
    /// The invariants of the contract, in its order.
    public enum Name: String, CaseIterable, Sendable {
        /// At most one student in the ISA critical section.
        case mutex
        /// No writer beside a reader or another writer on a chunk.
        case rw
        /// Every student recorded once.
        case exactlyOnce = "exactly_once"
        /// After each completed write, all copies of the chunk are equal and match main's metadata.
        case replicas
        /// After a sync round, the spread of the clocks is at most the round's longest round trip.
        case clockBound = "clock_bound"
    }

    /// One break: the invariant (a contract name, or an extra one a node checks itself, such
    /// as `main_slots`) and what was wrong.
    public struct Breach: Sendable, Equatable {
        public var name: String
        public var detail: String

        public init(_ name: Name, _ detail: String) { self.init(name: name.rawValue, detail: detail) }
        public init(name: String, detail: String) {
            self.name = name
            self.detail = detail
        }
    }

    /// What one replica holds of a chunk, and what main's metadata says it holds.
    public struct CopyView: Sendable, Equatable {
        public var replica: Int
        /// The copy's version and checksum in the replica's store (nil: it holds none).
        public var held: ReplicationCoordinator.CopyInfo?
        /// The copy as main's metadata describes it (nil: not described).
        public var metadata: ReplicationCoordinator.CopyInfo?

        public init(replica: Int, held: ReplicationCoordinator.CopyInfo?, metadata: ReplicationCoordinator.CopyInfo?) {
            self.replica = replica
            self.held = held
            self.metadata = metadata
        }
    }

    /// The five of the contract in its order, then extra ones as nodes report them broken.
    public private(set) var statuses: [InvariantStatus] = Name.allCases.map { InvariantStatus(name: $0.rawValue) }

    /// Who holds the ISA critical section, as the log shows it.
    public private(set) var csHolder: NodeID?
    /// Who holds each chunk's lock, and how, as the log shows it.
    public private(set) var lockHolders: [ChunkID: [NodeID: ReadWriteLock.Mode]] = [:]
    /// The students with a `submit` line.
    public private(set) var submitted: Set<NodeID> = []

    public init() {}

    /// The status of one invariant.
    public subscript(name: Name) -> InvariantStatus { statuses.first { $0.name == name.rawValue }! }

    /// Whether every invariant held so far.
    public var allHeld: Bool { statuses.allSatisfy(\.held) }

    // MARK: Checking

    /// Takes in one line the log recorded: updates what the log shows and checks the
    /// invariant the line bears on. Returns the breaks it found (already recorded).
    public mutating func observe(_ kind: LogEntry.Kind) -> [Breach] {
        switch kind {
        case .csEnter(let node):
            let found = csHolder.map { Breach(.mutex, "\(node.shortName) entered the critical section while \($0.shortName) was in it") }
            csHolder = node
            return checked(.mutex, found)
        case .csExit(let node, _, _):
            if csHolder == node { csHolder = nil }
        case .lockAcquire(let node, let c, let mode):
            lockHolders[c, default: [:]][node] = mode
            let holders = lockHolders[c] ?? [:]
            let writers = holders.filter { $0.value == .write }.keys.sorted(), readers = holders.filter { $0.value == .read }.keys.sorted()
            var found: Breach?
            if writers.count > 1 || (writers.count == 1 && !readers.isEmpty) {
                found = Breach(.rw, "chunk-\(c): \(node.shortName) acquired it to \(mode.rawValue) while "
                    + Self.holdersText(writers: writers.filter { $0 != node }, readers: readers.filter { $0 != node }))
            }
            return checked(.rw, found)
        case .lockRelease(let node, let c, _):
            lockHolders[c]?[node] = nil
            if lockHolders[c]?.isEmpty == true { lockHolders[c] = nil }
        case .submit(let rec):
            let found = submitted.contains(rec.student)
                ? Breach(.exactlyOnce, "\(rec.student.shortName) recorded a second time (by \(rec.server.shortName), reason \(rec.reason.rawValue))") : nil
            submitted.insert(rec.student)
            return checked(.exactlyOnce, found)
        case .syncResult(let r):
            let found = r.spreadAfter > r.maxRoundTrip
                ? Breach(.clockBound, "round \(r.round): spread after \(r.spreadAfter.milliseconds) ms exceeds the longest round trip \(r.maxRoundTrip.milliseconds) ms")
                : nil
            return checked(.clockBound, found)
        default:
            break
        }
        return []
    }

    /// Checks chunk `c`'s copies against each other and against main's metadata (after a
    /// completed write, and for every chunk once replication is done).
    public mutating func checkReplicas(chunk c: Int, _ copies: [CopyView]) -> [Breach] {
        checked(.replicas, Self.replicaMismatch(chunk: c, copies).map { Breach(.replicas, $0) })
    }

    /// What is wrong with chunk `c`'s copies, or nil when they agree: every replica holds
    /// the chunk, all at one version with one checksum, and main's metadata says the same
    /// of each.
    public static func replicaMismatch(chunk c: Int, _ copies: [CopyView]) -> String? {
        if let missing = copies.first(where: { $0.held == nil }) {
            return "chunk-\(c): replica-\(missing.replica) holds no copy"
        }
        let held = copies.compactMap { v in v.held.map { (v.replica, $0) } }
        if let (r0, first) = held.first, let (r, other) = held.first(where: { $0.1 != first }) {
            return "chunk-\(c): replica-\(r) holds \(describe(other)), replica-\(r0) \(describe(first))"
        }
        for v in copies where v.metadata != v.held {
            return "chunk-\(c): replica-\(v.replica) holds \(v.held.map(describe) ?? "nothing"), the metadata says \(v.metadata.map(describe) ?? "nothing")"
        }
        return nil
    }

    /// A break a node found and logged itself (main's `exactly_once`, `rw`, `main_slots`):
    /// recorded like the checker's own.
    public mutating func record(_ b: Breach) {
        let i = index(b.name)
        statuses[i].breaks += 1
        if statuses[i].detail == nil { statuses[i].detail = b.detail }
    }

    // MARK: Helpers

    private mutating func checked(_ name: Name, _ found: Breach?) -> [Breach] {
        statuses[index(name.rawValue)].checks += 1
        guard let found else { return [] }
        record(found)
        return [found]
    }

    private mutating func index(_ name: String) -> Int {
        if let i = statuses.firstIndex(where: { $0.name == name }) { return i }
        statuses.append(InvariantStatus(name: name))
        return statuses.count - 1
    }

    private static func describe(_ info: ReplicationCoordinator.CopyInfo) -> String {
        "v\(info.version) sha256 \(info.sha256.prefix(12))"
    }

    private static func holdersText(writers: [NodeID], readers: [NodeID]) -> String {
        var parts: [String] = []
        if !writers.isEmpty { parts.append(writers.map(\.shortName).joined(separator: ", ") + " held it to write") }
        if !readers.isEmpty { parts.append(readers.map(\.shortName).joined(separator: ", ") + " held it to read") }
        return parts.joined(separator: " and ")
    }
}

/// One invariant as a screen or a report shows it.
public struct InvariantStatus: Sendable, Equatable {
    /// Its name in the log (`mutex`, `rw`, `exactly_once`, `replicas`, `clock_bound`, or an
    /// extra one such as `main_slots`).
    public var name: String
    /// How many times it was checked (0: not yet).
    public var checks = 0
    /// How many times it broke.
    public var breaks = 0
    /// The first break's detail.
    public var detail: String?

    public init(name: String, checks: Int = 0, breaks: Int = 0, detail: String? = nil) {
        self.name = name
        self.checks = checks
        self.breaks = breaks
        self.detail = detail
    }

    public var held: Bool { breaks == 0 }
}
