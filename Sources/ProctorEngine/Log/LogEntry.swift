/// One line of the event log: something that happened at virtual time `t`.
///
/// Entries are copied often (queued for the file, kept for the screens): the frequent kinds
/// are small and held inline, the rare large ones (`indirect`) by reference.
public struct LogEntry: Sendable, Equatable {
    public let t: VirtualTime
    public let kind: Kind

    public enum Kind: Sendable, Equatable {
        case phase(Phase)
        indirect case command(OperatorCommand)
        case send(Envelope)
        case recv(Envelope, duplicate: Bool)
        case clockAdjust(node: NodeID, localBefore: VirtualTime, delta: VirtualDuration)
        indirect case syncResult(SyncRoundResult)
        indirect case invariant(name: String, detail: String)
        case warning(student: NodeID, count: Int)
        case flagDropped(student: NodeID)
        case redirect(student: NodeID, busy: Int)
        indirect case submit(SubmitRecord)
        case csRequest(node: NodeID, ts: Int)
        case csEnter(node: NodeID)
        case csExit(node: NodeID, isa: Int?, reason: IsaExitReason)
        indirect case isaRefused(node: NodeID, reason: String)
        /// `roll` and `isa` for a write of the consistency demo.
        indirect case replicaWrite(replica: Int, chunk: Int, version: Int, roll: Int? = nil, isa: Int? = nil)
        case demoChoice(student: NodeID, choice: String)
        case lockRequest(node: NodeID, chunk: Int, mode: ReadWriteLock.Mode)
        case lockAcquire(node: NodeID, chunk: Int, mode: ReadWriteLock.Mode)
        case lockRelease(node: NodeID, chunk: Int, mode: ReadWriteLock.Mode)
        /// A copy found missing or corrupt, and repaired from a healthy one.
        indirect case integrity(replica: Int, chunk: Int, problem: CopyProblem, repairedFrom: Int?)
        indirect case metadataRefused(detail: String)
        /// The outcome of a node's `persist` or `check`.
        indirect case storage(node: NodeID, result: StorageResult)
        /// A fault begins: `kind` is `crash` `drop` `delay` `partition` `clockjump`; a node's
        /// fault names `node`, a link's `from` and `to`; `detail` says how much (a delay, a jump).
        indirect case fault(kind: String, node: NodeID?, from: NodeID?, to: NodeID?, detail: String?)
        /// A fault ends (`restart` for a crash).
        indirect case recover(kind: String, node: NodeID?, from: NodeID?, to: NodeID?)
        /// A message that will never be received: `reason` `crashed` `link` `partition`.
        case drop(id: Int, reason: String)
        /// A submission sent to the backup because main did not answer.
        indirect case failover(student: NodeID, reason: String)
    }

    public var type: String {
        switch kind {
        case .phase: "phase"
        case .command: "command"
        case .send: "send"
        case .recv: "recv"
        case .clockAdjust: "clock_adjust"
        case .syncResult: "sync_result"
        case .invariant: "invariant"
        case .warning: "warning"
        case .flagDropped: "flag_dropped"
        case .redirect: "redirect"
        case .submit: "submit"
        case .csRequest: "cs_request"
        case .csEnter: "cs_enter"
        case .csExit: "cs_exit"
        case .isaRefused: "isa_refused"
        case .replicaWrite: "replica_write"
        case .demoChoice: "demo_choice"
        case .lockRequest: "lock_request"
        case .lockAcquire: "lock_acquire"
        case .lockRelease: "lock_release"
        case .integrity: "integrity"
        case .metadataRefused: "metadata_refused"
        case .storage: "storage"
        case .fault: "fault"
        case .recover: "recover"
        case .drop: "drop"
        case .failover: "failover"
        }
    }
}

/// Why a student left the ISA critical section.
public enum IsaExitReason: String, Sendable, Equatable {
    /// The mark was entered (or the student gave up).
    case done
    /// The hold timed out: what was typed so far was recorded.
    case timeout
}

/// A submission as recorded: the `submit` line of the log.
public struct SubmitRecord: Sendable, Equatable {
    public var student: NodeID
    public var roll: Int
    public var reason: ExamSession.SubmitReason
    public var server: NodeID
    /// When it reached main, and when the recording server began processing it.
    public var arrived: VirtualTime
    public var started: VirtualTime
    public var warnings: Int
    public var raw: Int
    public var final: Int
}

/// The summary that ends a sync round.
public struct SyncRoundResult: Sendable, Equatable {
    public var round: Int
    public var spreadBefore: VirtualDuration
    public var spreadAfter: VirtualDuration
    public var maxRoundTrip: VirtualDuration
    /// The nodes whose offset lay outside the tolerance: corrected, but not averaged.
    public var outliers: [NodeID]
    /// The nodes that did not answer in time (down or cut off): left out of the round.
    public var leftOut: [NodeID] = []
    /// The nodes whose ADJUST was lost on the way: not corrected.
    public var notAdjusted: [NodeID] = []
    /// The nodes whose clock jumped (a fault) during the round: not synchronized by it.
    public var jumped: [NodeID] = []
    /// The average offset the daemon used, and how many offsets it averaged (its own included).
    public var average: VirtualDuration = .zero
    public var averagedCount = 0
}
