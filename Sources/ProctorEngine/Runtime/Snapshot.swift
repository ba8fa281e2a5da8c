/// An immutable picture of the whole simulation at one moment: all a screen needs, and
/// nothing it could use to change the engine.
public struct Snapshot: Sendable {
    public struct ClockRow: Sendable, Equatable {
        public var node: NodeID
        /// The node's local clock now.
        public var reading: VirtualTime
        /// Local clock minus true time, now.
        public var offset: VirtualDuration
        public var status: Simulation.SyncState.NodeStatus
        public var lastAdjust: Simulation.ClockAdjustment?
    }

    public struct Servers: Sendable, Equatable {
        public var mainSlots: Int
        /// The students main is processing now, and the backup.
        public var mainBusy: [NodeID]
        public var backupBusy: [NodeID]
        public var handledByMain: Int
        public var handledByBackup: Int
        public var redirects: Int
    }

    public var revision: UInt64
    public var now: VirtualTime
    public var seed: UInt64
    public var paused: Bool
    public var speed: Double
    public var phase: Phase?
    public var completed: Set<Phase>
    public var nextPhase: Phase
    public var students: [Student]
    public var clocks: [ClockRow]
    public var sync: Simulation.SyncState
    public var servers: Servers
    public var exam: Simulation.ExamState
    public var isa: Simulation.IsaState
    public var replication: Simulation.ReplicationState
    public var demo: Simulation.DemoState
    public var results: [ResultRow]
    public var recentLog: [LogEntry]
    public var logCount: Int
    public var messagesInFlight: Int
    public var messageCounts: [Mechanism: Int]
    public var notice: Notice?
    public var brokenInvariants: [String]
    /// A recorded lesson is playing back: commands come from the record.
    public var replaying = false

    public var studentCount: Int { students.count }

    /// Student `k`'s (from 1) clock now.
    public func localTime(ofStudent k: Int) -> VirtualTime { clocks[1 + k].reading }

    public init(simulation s: Simulation, paused: Bool, speed: Double, recentLimit: Int = 200) {
        revision = s.revision
        now = s.now
        seed = s.seed
        self.paused = paused
        self.speed = speed
        phase = s.phase
        completed = s.completed
        nextPhase = s.nextPhase
        students = s.students
        clocks = s.clockNodes.indices.map { i in
            ClockRow(node: s.clockNodes[i], reading: s.clocks[i].reading(at: s.now), offset: s.clocks[i].offset(at: s.now),
                     status: s.sync.status[i], lastAdjust: s.sync.lastAdjust[i])
        }
        sync = s.sync
        servers = Servers(mainSlots: s.router.mainSlots, mainBusy: s.router.mainBusy, backupBusy: s.router.backupBusy,
                          handledByMain: s.router.handledByMain, handledByBackup: s.router.handledByBackup,
                          redirects: s.router.redirects)
        exam = s.exam
        isa = s.isa
        replication = s.replication
        demo = s.demo
        results = s.results
        recentLog = Array(s.log.recent.suffix(recentLimit))
        logCount = s.log.count
        messagesInFlight = s.inFlight
        messageCounts = s.messageCounts
        notice = s.notice
        brokenInvariants = s.brokenInvariants
    }
}
