/// What a node asks the world to do, returned from each of its four inputs. A node never
/// carries out I/O itself: the kernel sends, sets timers and logs; the runtime's storage
/// port persists and checks files and feeds the outcome back as a `storageResult`.
public enum Effect<Timer: Hashable & Sendable>: Sendable {
    case send(Payload, to: NodeID)
    /// Fires `after` virtual time from now.
    case setTimer(Timer, after: VirtualDuration)
    /// Fires when the node's own clock reads `local` (a countdown on the node's clock).
    case setTimerAtLocal(Timer, local: VirtualTime)
    /// Forgets every pending firing of this timer.
    case cancelTimer(Timer)
    case log(LogEntry.Kind)
    /// Write these bytes, whose SHA-256 is `sha256`, to `path` (relative to the output
    /// directory), atomically. The node that made the bytes hashes them, once.
    case persist(path: String, bytes: [UInt8], sha256: String)
    /// Compare the file at `path` with the SHA-256 it should have.
    case check(path: String, sha256: String)
    /// Write the results store as the workbook `path` (`results.xlsx`), atomically. The rows,
    /// not the bytes: the storage port makes the workbook (libxlsxwriter writes only to files),
    /// and only the last version of those waiting. Nothing on the node depends on the outcome,
    /// so none comes back: a failed write is the operator's to hear, and the exit status's.
    case persistWorkbook(path: String, rows: [ResultRow])
    /// Move the node's own clock by a correction its protocol computed.
    case adjustClock(by: VirtualDuration)
    /// Feedback for the operator, in words.
    case notice(String)
    /// The node saw a phase's work complete (every submission recorded, every copy stored).
    case completed(Phase)
    /// A safety rule the node saw broken on its own state.
    case invariantBroken(name: String, detail: String)
    /// A decision of the admin console for the host (command a node, inject a fault).
    case order(Admin.Order)
}

extension Effect {
    /// Write these bytes to `path`, hashed here.
    static func persist(path: String, bytes: [UInt8]) -> Effect {
        .persist(path: path, bytes: bytes, sha256: ReplicaFiles.sha256(bytes))
    }
}

public enum StorageOp: String, Sendable, Equatable { case persist, check }

public enum StorageOutcome: String, Sendable, Equatable { case ok, missing, corrupt, error }

/// The outcome of a `persist` or `check`, delivered to the node that asked.
public struct StorageResult: Sendable, Equatable {
    public var op: StorageOp
    public var path: String
    public var sha256: String
    public var outcome: StorageOutcome

    public init(op: StorageOp, path: String, sha256: String, outcome: StorageOutcome) {
        self.op = op
        self.path = path
        self.sha256 = sha256
        self.outcome = outcome
    }
}

/// What a node may know when an input reaches it: its own clock, and the true time, which
/// it uses only to stamp what it logs (the log's `t` scale).
public struct NodeContext: Sendable {
    public var now: VirtualTime
    public var local: VirtualTime
}
