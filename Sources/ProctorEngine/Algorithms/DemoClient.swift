/// A student in the consistency demo: it chooses Read, Write or Exit; a read takes its
/// chunk's shared lock from main and reads its own row from one replica; a write takes the
/// lock exclusively, writes its own ISA mark to every replica at the next version, and on
/// release tells main what it wrote. Sans-I/O: inputs in, actions out.
public struct DemoClient: Sendable, Equatable {

    public enum Activity: Sendable, Equatable {
        /// Not in the demo (yet).
        case idle
        /// Prompted: Read / Write / Exit.
        case choosing
        /// The operator types the new mark for a write.
        case typing(String)
        case waiting(mode: ReadWriteLock.Mode, value: Int?)
        /// Holding the shared lock; READ sent to `replica`, or its answer shown.
        case reading(replica: Int, value: Int??, version: Int?)
        /// Holding the exclusive lock; WRITE sent to every replica.
        case writing(value: Int, version: Int, acks: Int)
        case exited
    }

    public enum Action: Sendable, Equatable {
        /// Log the choice (`read`, `write`, `exit`).
        case chose(String)
        /// LOCK for request number `req`.
        case lock(ReadWriteLock.Mode, req: Int)
        case read(replica: Int)
        case write(version: Int, isa: Int)
        /// UNLOCK of the hold granted for `req`.
        case unlock(LockMessage.WriteNote?, req: Int)
        /// Hold the read lock a while before releasing it.
        case holdRead
        /// Choose again (a simulated student thinks first).
        case chooseAgain
    }

    public let chunk: Int
    public let roll: Int
    public private(set) var activity: Activity = .idle
    public private(set) var actionsLeft = 0
    public private(set) var reads = 0, writes = 0
    /// The replicas that confirmed the write under way (a duplicate confirmation counts once).
    public private(set) var writtenBy: Set<Int> = []
    /// The number of the latest lock request (LOCK, its GRANT and UNLOCK carry it).
    public private(set) var requests = 0
    /// The last UNLOCK sent, until a later GRANT shows main took it (it may have been lost:
    /// it is sent again when main is reachable again).
    public private(set) var unconfirmedUnlock: SentUnlock?

    public struct SentUnlock: Sendable, Equatable {
        public var note: LockMessage.WriteNote?
        public var req: Int
    }

    public init(chunk: Int, roll: Int) {
        self.chunk = chunk
        self.roll = roll
    }

    public mutating func start(actions: Int) {
        guard activity == .idle else { return }
        actionsLeft = actions
        activity = .choosing
    }

    public var mayChoose: Bool { activity == .choosing }
    /// A simulated student has used up its actions and leaves.
    public var wantsToLeave: Bool { actionsLeft <= 0 }

    public mutating func chooseRead() -> [Action] {
        guard activity == .choosing || isTyping else { return [] }
        activity = .waiting(mode: .read, value: nil)
        requests += 1
        return [.chose("read"), .lock(.read, req: requests)]
    }

    public mutating func chooseWrite(_ value: Int) -> [Action] {
        guard activity == .choosing || isTyping else { return [] }
        activity = .waiting(mode: .write, value: value)
        requests += 1
        return [.chose("write"), .lock(.write, req: requests)]
    }

    public mutating func exit() -> [Action] {
        guard activity == .choosing || isTyping else { return [] }
        activity = .exited
        return [.chose("exit")]
    }

    public var isTyping: Bool { if case .typing = activity { true } else { false } }

    /// The operator's typing of a write's value (not yet a choice).
    public mutating func type(_ text: String) {
        guard activity == .choosing || isTyping else { return }
        activity = .typing(text)
    }

    public mutating func cancelTyping() {
        if isTyping { activity = .choosing }
    }

    /// main granted the lock; `version` is the chunk's committed version, `replica` the one
    /// a read goes to.
    public mutating func granted(_ mode: ReadWriteLock.Mode, version: Int, req: Int, replica: Int) -> [Action] {
        guard case .waiting(mode, let value) = activity, req == requests else { return [] }
        unconfirmedUnlock = nil
        if mode == .read {
            activity = .reading(replica: replica, value: nil, version: nil)
            return [.read(replica: replica)]
        }
        let v = version + 1
        activity = .writing(value: value ?? 0, version: v, acks: 0)
        writtenBy = []
        return [.write(version: v, isa: value ?? 0)]
    }

    public mutating func valueArrived(version: Int, isa: Int?) -> [Action] {
        guard case .reading(let replica, nil, nil) = activity else { return [] }
        activity = .reading(replica: replica, value: .some(isa), version: version)
        reads += 1
        return [.holdRead]
    }

    /// A replica confirmed the write; the last of them completes it.
    public mutating func writtenArrived(from replica: Int, version: Int, sha256: String) -> [Action] {
        guard case .writing(let value, version, _) = activity, writtenBy.insert(replica).inserted else { return [] }
        guard writtenBy.count >= ReplicationCoordinator.replicaCount else {
            activity = .writing(value: value, version: version, acks: writtenBy.count)
            return []
        }
        writes += 1
        return release(LockMessage.WriteNote(roll: roll, isa: value, version: version, sha256: sha256))
    }

    /// The replicas a write waits for (write-all: it is resent to them until each confirms).
    public var writeWaitsFor: [Int] {
        guard case .writing = activity else { return [] }
        return (1...ReplicationCoordinator.replicaCount).filter { !writtenBy.contains($0) }
    }

    /// A read not answered in time goes to the next replica (a live copy serves it).
    public mutating func readUnanswered() -> [Action] {
        guard case .reading(let replica, nil, nil) = activity else { return [] }
        let next = replica % ReplicationCoordinator.replicaCount + 1
        activity = .reading(replica: next, value: nil, version: nil)
        return [.read(replica: next)]
    }

    /// The read is done: let go of the lock.
    public mutating func readDone() -> [Action] {
        guard case .reading(_, .some, _) = activity else { return [] }
        return release(nil)
    }

    private mutating func release(_ note: LockMessage.WriteNote?) -> [Action] {
        actionsLeft -= 1
        activity = .choosing
        unconfirmedUnlock = SentUnlock(note: note, req: requests)
        return [.unlock(note, req: requests), .chooseAgain]
    }

    /// main is reachable again (it restarted, or a link or partition healed): what it may
    /// have missed goes again — the UNLOCK not known to have arrived, and the LOCK waited on.
    /// main ignores a copy of one it already has.
    public func resendToMain() -> [Action] {
        var out: [Action] = []
        if let u = unconfirmedUnlock { out.append(.unlock(u.note, req: u.req)) }
        if case .waiting(let mode, _) = activity { out.append(.lock(mode, req: requests)) }
        return out
    }
}
