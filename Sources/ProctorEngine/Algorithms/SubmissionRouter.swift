/// The main server's submission handling, as a sans-I/O state machine.
///
/// Main processes at most `mainSlots` submissions at once; one that arrives while every slot
/// is busy is refused and redirected to the backup server, which has no limit. Every student
/// is recorded exactly once: a submission from a student already being processed is ignored
/// (its ACK is coming), and one from a student already recorded is acknowledged again.
public struct SubmissionRouter: Sendable {
    public enum Action: Sendable, Equatable {
        /// Begin processing on `server`; call `finished` when `duration` has passed.
        case startProcessing(student: NodeID, server: NodeID, duration: VirtualDuration)
        /// Main is full: refuse and forward to the backup, whose arrival calls `arrivedAtBackup`.
        case redirect(student: NodeID, busy: Int)
        /// Record the submission (exactly once per student).
        case record(student: NodeID, server: NodeID)
        /// Acknowledge to the student, again if need be.
        case acknowledge(student: NodeID, server: NodeID)
        /// A duplicate that needs nothing (the first copy is being processed).
        case ignoreDuplicate(student: NodeID)
    }

    public let mainSlots: Int
    public private(set) var mainBusy: [NodeID] = []
    public private(set) var backupBusy: [NodeID] = []
    /// Forwarded submissions the backup has begun (a duplicated FORWARD is not begun again).
    private var backupStarted: Set<NodeID> = []
    public private(set) var recorded: [NodeID: NodeID] = [:]
    public private(set) var handledByMain = 0
    public private(set) var handledByBackup = 0
    public private(set) var redirects = 0
    /// The most main was ever processing at once.
    public private(set) var peakMainBusy = 0

    public init(mainSlots: Int) { self.mainSlots = mainSlots }

    private func inProgress(_ s: NodeID) -> Bool { mainBusy.contains(s) || backupBusy.contains(s) }

    /// A submission from `student` reached main. `processing` is how long it would take.
    public mutating func arrivedAtMain(from student: NodeID, processing: VirtualDuration) -> [Action] {
        if let server = recorded[student] { return [.acknowledge(student: student, server: server)] }
        if inProgress(student) { return [.ignoreDuplicate(student: student)] }
        if mainBusy.count >= mainSlots {
            redirects += 1
            backupBusy.append(student)   // reserved: the forwarded copy is on its way
            return [.redirect(student: student, busy: mainBusy.count)]
        }
        mainBusy.append(student)
        peakMainBusy = max(peakMainBusy, mainBusy.count)
        return [.startProcessing(student: student, server: .main, duration: processing)]
    }

    /// The forwarded submission reached the backup.
    public mutating func arrivedAtBackup(from student: NodeID, processing: VirtualDuration) -> [Action] {
        guard backupBusy.contains(student), recorded[student] == nil, backupStarted.insert(student).inserted else {
            return [.ignoreDuplicate(student: student)]
        }
        return [.startProcessing(student: student, server: .backup, duration: processing)]
    }

    /// Processing of `student`'s submission on `server` is complete.
    public mutating func finished(student: NodeID, on server: NodeID) -> [Action] {
        if server == .main { mainBusy.removeAll { $0 == student } } else { backupBusy.removeAll { $0 == student } }
        guard recorded[student] == nil else { return [.acknowledge(student: student, server: recorded[student]!)] }
        recorded[student] = server
        if server == .main { handledByMain += 1 } else { handledByBackup += 1 }
        return [.record(student: student, server: server), .acknowledge(student: student, server: server)]
    }
}

/// How busy the servers are, and what each has handled.
public struct ServerLoad: Sendable, Equatable {
    public var mainSlots: Int
    /// The students main is processing now, and the backup.
    public var mainBusy: [NodeID]
    public var backupBusy: [NodeID]
    public var handledByMain: Int
    public var handledByBackup: Int
    public var redirects: Int
}
