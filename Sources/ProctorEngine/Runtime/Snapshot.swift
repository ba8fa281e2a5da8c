/// An immutable picture of the whole simulation at one moment: all a screen needs, and
/// nothing it could use to change the engine.
public struct Snapshot: Sendable {
    public struct ClockRow: Sendable, Equatable {
        public var node: NodeID
        /// The node's local clock now.
        public var reading: VirtualTime
        /// Local clock minus true time, now.
        public var offset: Duration
        public var status: Simulation.SyncState.NodeStatus
        public var lastAdjust: Simulation.ClockAdjustment?
    }

    public struct Servers: Sendable, Equatable {
        public var mainSlots = 3
        public var mainBusy = 0
        public var handledByMain = 0
        public var handledByBackup = 0
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
    public var recentLog: [LogEntry]
    public var logCount: Int
    public var messagesInFlight: Int
    public var messageCounts: [Mechanism: Int]
    public var notice: Notice?
    public var brokenInvariants: [String]

    public var studentCount: Int { students.count }

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
        servers = Servers()
        recentLog = Array(s.log.recent.suffix(recentLimit))
        logCount = s.log.count
        messagesInFlight = s.inFlight
        messageCounts = s.messageCounts
        notice = s.notice
        brokenInvariants = s.brokenInvariants
    }
}
