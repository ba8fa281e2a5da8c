/// An immutable picture of the whole run at one moment, built from each node's own view:
/// all a screen needs, and nothing it could use to change the engine. The engine states its
/// rules here once (which stage is on, which chunk a student is in, how many replicas), so a
/// pane never re-derives them.
public struct Snapshot: Sendable {
    public enum ClockStatus: Sendable, Equatable { case idle, polled, replied, adjusted }

    /// What the latest sync round did to one clock.
    public struct ClockAdjustment: Sendable, Equatable {
        public var localBefore: VirtualTime
        public var delta: VirtualDuration
        /// The daemon's estimate of this clock's offset from its own (0 for the daemon).
        public var estimatedOffset: VirtualDuration
        /// Whether the estimate was within the tolerance and joined the average.
        public var averaged: Bool
    }

    public struct ClockRow: Sendable, Equatable {
        public var node: NodeID
        /// The node's local clock now.
        public var reading: VirtualTime
        /// Local clock minus true time, now.
        public var offset: VirtualDuration
        public var status: ClockStatus
        public var lastAdjust: ClockAdjustment?
    }

    public typealias Servers = ServerLoad

    public struct SyncView: Sendable {
        /// The round in progress, if any.
        public var round: Int?
        public var lastResult: SyncRoundResult?
        public var roundsCompleted: Int
    }

    /// One student, as its own node sees itself.
    public struct StudentView: Sendable {
        public var number: Int
        public var operated: Bool
        public var exam: ExamSession
        public var flags: [Student.FlagRecord]
        public var isa: Student.IsaStatus
        public var ra: RAView
        public var demo: DemoClient
        /// The chunk that holds this student's row.
        public var chunk: Int
    }

    /// One Ricart–Agrawala peer as the lock-queues pane shows it.
    public struct RAView: Sendable, Equatable {
        /// The student (from 1).
        public var id: Int
        /// Its Lamport clock.
        public var clock: Int
        /// The timestamp of its request, while it wants or holds the section.
        public var requestTimestamp: Int?
        /// Whether it is waiting for replies (not yet inside).
        public var wanting: Bool
        /// The REPLYs it has received for its request.
        public var replies: Int
        /// The students whose REPLY it holds back until it leaves, in arrival order.
        public var deferred: [Int]
        /// The students whose REPLY has come for its request (shared with the node's set: a
        /// snapshot copies nothing here).
        public var repliedBy: Set<Int> = []
        /// The number of students in the class.
        public var classSize = 0
        /// While it waits: the students whose REPLY has not come (computed on demand).
        public var awaiting: [Int] {
            wanting ? (1...max(1, classSize)).filter { $0 != id && !repliedBy.contains($0) } : []
        }
        /// Whether it waits for `peer`'s REPLY.
        public func awaits(_ peer: Int) -> Bool { wanting && peer != id && peer <= classSize && !repliedBy.contains(peer) }

        init(_ ra: RicartAgrawala) {
            id = ra.id
            clock = ra.clock
            requestTimestamp = ra.requestTimestamp
            if case .wanting = ra.state { wanting = true } else { wanting = false }
            replies = ra.replyCount
            deferred = ra.deferred.map(\.from)
            repliedBy = ra.replies
            classSize = ra.peers.count + 1
        }
    }

    public struct FlagRecord: Sendable, Equatable {
        public var at: VirtualTime
        public var student: Int
        /// The warning count it brought, or nil when it was dropped (already submitted).
        public var count: Int?
    }

    public struct ExamView: Sendable {
        public var startedAt: VirtualTime?
        public var syncedBeforeStart: Bool
        public var sessions: [ExamSession]
        /// Students the operator plays (index from 0).
        public var operated: [Bool]
        public var flags: [FlagRecord]
        public var redirects: [MainServer.RedirectRecord]
        public var records: [SubmitRecord?]
        public var questions: [Question]
        public var secondsPerQuestion: Int
        public var recordedCount: Int { records.lazy.filter { $0 != nil }.count }
    }

    public struct IsaView: Sendable {
        public var startedAt: VirtualTime?
        public var status: [Student.IsaStatus]
        public var ra: [RAView]
        /// Who is in the critical section (from 1).
        public var holder: Int?
        /// Stays in the critical section so far.
        public var entries: Int
        /// ISA marks run from 0 to this; a simulated student's stay is limited to `holdLimit`.
        public var maxMark = 20
        public var holdLimit = VirtualDuration.seconds(5)
        public var doneCount: Int { status.lazy.filter { if case .done = $0 { true } else { false } }.count }
        /// The requests waiting for the section, in (ts, id) order.
        public var queue: [(student: Int, ts: Int)] {
            ra.compactMap { r in r.wanting ? r.requestTimestamp.map { (r.id, $0) } : nil }
                .sorted { RicartAgrawala.precedes(($0.ts, $0.student), ($1.ts, $1.student)) }
        }
    }

    public struct ReplicationView: Sendable {
        public var startedAt: VirtualTime?
        public static let replicaCount = ReplicationCoordinator.replicaCount
        public static let chunkCount = ReplicationCoordinator.chunkCount
        /// `copies[r][c]`: what replica r + 1 holds of chunk c + 1.
        public var copies: [[ChunkCopy?]]
        /// `sha256[r][c]`: the SHA-256 of that copy's file, as the replica wrote it.
        public var sha256: [[String?]] = []
        public var rolls: [[Int]]
        /// Copies found missing or corrupt on disk and rewritten.
        public var repairs: Int
        public var storedCount: Int { copies.joined().lazy.filter { $0 != nil }.count }
    }

    public struct DemoView: Sendable {
        public var startedAt: VirtualTime?
        public var activity: [DemoClient.Activity]
        /// One lock per chunk, kept by main.
        public var locks: [ReadWriteLock]
        /// The committed version of each chunk.
        public var versions: [Int]
        public var reads: Int
        public var writes: Int
        public var exitedCount: Int { activity.lazy.filter { $0 == .exited }.count }
    }

    public var revision: UInt64
    public var now: VirtualTime
    public var seed: UInt64
    public var paused: Bool
    public var speed: Double
    public var phase: Phase?
    public var completed: Set<Phase>
    public var nextPhase: Phase
    /// How many phases the walkthrough has (the status bar's "/5").
    public var phaseCount: Int { Phase.walkthrough.count }
    public var students: [RosterEntry]
    public var studentViews: [StudentView]
    public var clocks: [ClockRow]
    public var sync: SyncView
    public var servers: Servers
    public var exam: ExamView
    public var isa: IsaView
    public var replication: ReplicationView
    public var demo: DemoView
    public var results: [ResultRow]
    public var recentLog: [LogEntry]
    public var logCount: Int
    public var messagesInFlight: Int
    public var messageCounts: [Mechanism: Int]
    public var notice: Notice?
    public var brokenInvariants: [String]
    /// Each invariant: held or broken, how many times checked, the first break's detail —
    /// the contract's five in its order (`mutex` `rw` `exactly_once` `replicas`
    /// `clock_bound`), then any extra one a node reported broken (`main_slots`).
    public var invariants: [InvariantStatus]
    /// A recorded lesson is playing back: commands come from the record.
    public var replaying = false

    /// The guided tour, when on: the stop it is paused at (nil between stops), how many
    /// stops so far, of how many moments.
    public struct TourView: Sendable {
        public var stop: Tour.Stop?
        public var index: Int
        public var total: Int
    }
    public var tour: TourView?
    /// Counts the runtime's publications: a screen redraws when it changes (a pause or a
    /// tour stop changes what it shows without a new event).
    public var publishSerial: UInt64 = 0
    /// A file the live program could not write (the first such), shown until quit.
    public var storageProblem: String?

    public var studentCount: Int { students.count }
    /// Crashed nodes, with when each went down.
    public var down: [NodeID: VirtualTime] = [:]
    /// Nodes cut off by a partition.
    public var cutOff: Set<NodeID> = []
    /// How long `node` has been down, or nil when it is up.
    public func downtime(_ node: NodeID) -> VirtualDuration? { down[node].map { now - $0 } }
    /// Submissions sent to the backup because main did not answer.
    public var failovers = 0
    /// The spread (max − min) of the synchronized clocks' readings now.
    public var clockSpread: VirtualDuration
    /// Events delivered so far, and the furthest reached: below it, the screen shows the
    /// past (after a step back).
    public var position = 0
    public var horizon = 0
    public var isInPast: Bool { position < horizon }

    /// Student `k`'s (from 1) clock now.
    public func localTime(ofStudent k: Int) -> VirtualTime { clocks[1 + k].reading }
    /// The clock row of student `k` (from 1).
    public func clockRow(ofStudent k: Int) -> ClockRow { clocks[1 + k] }

    /// The phase whose view the students pane and the caption show: the latest phase of
    /// the walkthrough started (a re-sync does not move it back), or nil before any.
    public var stage: Phase?

    public init(simulation s: Simulation, paused: Bool, speed: Double, recentLimit: Int = 2400) {
        self.init(world: s.world, paused: paused, speed: speed, recentLimit: recentLimit)
        horizon = s.horizon
    }

    public init(world w: World, paused: Bool, speed: Double, recentLimit: Int = 2400) {
        let main = w.cluster.main.view
        let admin = w.admin, observed = w.observers
        revision = w.revision
        down = w.kernel.down
        cutOff = w.kernel.partitioned
        failovers = observed.facts.failovers
        position = w.kernel.delivered
        horizon = w.kernel.delivered
        now = w.now
        seed = w.seed
        self.paused = paused
        self.speed = speed
        phase = admin.phase
        stage = admin.phase == .done ? .done : Phase.walkthrough.last { admin.started($0) }
        completed = admin.completed
        nextPhase = admin.nextPhase
        students = w.roster
        let students = w.cluster.studentViews
        studentViews = students.map { st in
            StudentView(number: st.number, operated: st.operated, exam: st.exam, flags: st.flags, isa: st.isa, ra: RAView(st.ra),
                        demo: st.demo, chunk: st.demo.chunk)
        }
        let round = observed.sync.round
        let estimates = Dictionary(main.lastRound?.estimates.map { ($0.node, $0) } ?? [], uniquingKeysWith: { a, _ in a })
        clocks = w.clockNodes.map { node in
            let clock = w.kernel.clock(of: node)
            let change: ClockChange?
            switch node {
            case .main: change = main.ownAdjust
            case .teacher: change = w.cluster.teacher.view.lastAdjust
            case .student(let k): change = students[student: k].lastAdjust
            default: change = nil
            }
            var status: ClockStatus
            switch main.syncStatus[node] {
            case .polled?: status = .polled
            case .replied?: status = .replied
            default: status = .idle
            }
            if let c = change, round == nil || c.round == round { status = .adjusted }
            if node == .main { status = round == nil && change != nil ? .adjusted : .idle }
            let adjust = change.map { c in
                ClockAdjustment(localBefore: c.localBefore, delta: c.delta,
                                estimatedOffset: node == .main ? .zero : estimates[node]?.offset ?? .zero,
                                averaged: node == .main ? main.lastRound?.daemonAveraged ?? true : estimates[node]?.averaged ?? true)
            }
            return ClockRow(node: node, reading: clock?.reading(at: w.now) ?? w.now, offset: clock?.offset(at: w.now) ?? .zero,
                            status: status, lastAdjust: adjust)
        }
        clockSpread = w.clockSpread()
        sync = SyncView(round: round, lastResult: observed.sync.lastResult, roundsCompleted: observed.sync.roundsCompleted)
        servers = main.servers
        servers.backupBusy = w.cluster.backup.view.busy
        exam = ExamView(startedAt: admin.startedAt[.exam], syncedBeforeStart: admin.syncedBeforeExam,
                        sessions: studentViews.map(\.exam), operated: studentViews.map(\.operated),
                        flags: studentViews.flatMap { v in v.flags.map { FlagRecord(at: $0.at, student: v.number, count: $0.count) } }
                            .sorted { ($0.at, $0.student) < ($1.at, $1.student) },
                        redirects: main.redirects, records: main.records, questions: w.cluster.main.view.questions,
                        secondsPerQuestion: w.scenario.secondsPerQuestion)
        var holder: Int?
        if case .student(let k)? = observed.invariants.csHolder { holder = k }
        isa = IsaView(startedAt: admin.startedAt[.isa], status: studentViews.map(\.isa), ra: studentViews.map(\.ra), holder: holder,
                      entries: students.reduce(0) { $0 + $1.entries }, maxMark: w.scenario.isaMaxMark, holdLimit: w.scenario.isaHoldTimeout)
        let replicas = w.cluster.replicaViews
        replication = ReplicationView(startedAt: admin.startedAt[.replication],
                                      copies: replicas.map(\.written), sha256: replicas.map(\.sha256),
                                      rolls: main.coordinator.rolls, repairs: replicas.reduce(0) { $0 + $1.repairs })
        demo = DemoView(startedAt: admin.startedAt[.consistency], activity: studentViews.map(\.demo.activity), locks: main.locks,
                        versions: main.versions, reads: studentViews.reduce(0) { $0 + $1.demo.reads },
                        writes: studentViews.reduce(0) { $0 + $1.demo.writes })
        results = main.results
        recentLog = Array(w.kernel.log.recent.suffix(recentLimit))
        logCount = w.kernel.log.count
        messagesInFlight = w.kernel.inFlight
        messageCounts = w.kernel.messageCounts
        notice = admin.notice
        brokenInvariants = observed.invariants.broken
        invariants = observed.invariants.checker.statuses
    }
}
