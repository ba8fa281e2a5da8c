/// The deterministic discrete-event simulation of the whole exam.
///
/// One serial owner drives it (the runtime's queue, or a headless loop). It holds virtual
/// time, the event queue, the seeded randomness, the network, every node's clock, the
/// algorithms' state machines and the event log. It does no I/O and reads no wall clock:
/// given the same seed and the same commands at the same virtual times, it produces the same
/// event log, byte for byte.
public final class Simulation {
    public struct Config: Sendable {
        public var data: ExamData
        public var studentCount: Int
        public var seed: UInt64
        /// Encode every log entry as JSON Lines (for `--events`).
        public var encodesLog: Bool

        public init(data: ExamData, studentCount: Int, seed: UInt64, encodesLog: Bool) {
            self.data = data
            self.studentCount = studentCount
            self.seed = seed
            self.encodesLog = encodesLog
        }
    }

    enum Event {
        case deliver(Envelope)
        case command(OperatorCommand)
        case timer(Timer)
    }

    enum Timer {
        case think(student: Int, q: Int)
        case deadline(student: Int, q: Int)
        case retransmit(student: Int)
        case flagTick
        /// Main releases question `q` to every student still answering.
        case release(q: Int)
        /// A simulated student asks for the ISA marksheet.
        case isaRequest(student: Int)
        /// A simulated student's next keystroke at the ISA prompt (entry `entry`).
        case isaType(student: Int, entry: Int, index: Int)
        /// The hold timeout of a student's `entry`-th stay in the critical section.
        case isaHold(student: Int, entry: Int)
        /// A simulated student chooses Read / Write / Exit.
        case demoThink(student: Int)
        /// A reader is done reading and lets go of the lock.
        case demoRelease(student: Int)
        case processed(student: Int, server: NodeID)
    }

    public let seed: UInt64
    public let students: [Student]
    public let scenario: Scenario

    public private(set) var now: VirtualTime = .zero
    var queue = EventQueue<Event>()
    private var network: Network
    /// Clocks of the synchronized nodes: `clockNodes[i]` owns `clocks[i]`.
    public let clockNodes: [NodeID]
    public private(set) var clocks: [NodeClock]
    private var daemon: BerkeleyDaemon
    public private(set) var log: EventLog

    public internal(set) var phase: Phase?
    /// The phase a re-sync interrupted, to return to when the round ends.
    var phaseBeforeSync: Phase?
    public internal(set) var completed: Set<Phase> = []
    public private(set) var notice: Notice?
    public private(set) var commandLog: [(at: VirtualTime, command: OperatorCommand)] = []
    public private(set) var brokenInvariants: [String] = []
    public private(set) var messageCounts: [Mechanism: Int] = [:]
    public private(set) var inFlight = 0
    /// Increases with every change of state, so a runtime publishes only what changed.
    public private(set) var revision: UInt64 = 0
    /// The events delivered so far (messages, timers, scheduled commands). A session record
    /// notes it with each command, so a replay delivers exactly as many before applying it.
    public private(set) var eventCount = 0

    // Clock synchronization.
    public private(set) var sync = SyncState()

    // The exam.
    public internal(set) var exam: ExamState
    // ISA marks.
    public internal(set) var isa: IsaState
    // Replication.
    public internal(set) var replication = ReplicationState()
    // The consistency demo.
    public internal(set) var demo = DemoState()
    /// The storage port: checks a replica's copy on disk. Set by whoever drives the
    /// simulation and owns the files (the runtime, headless mode, a test).
    public var checkCopy: ((_ replica: Int, _ chunk: Int, _ expected: ChunkCopy) -> CopyProblem?)?
    /// The storage port: problems with replication_metadata.json's paths.
    public var checkMetadata: (() -> [String])?
    var router: SubmissionRouter
    var detector: CheatingDetector
    var examRandom: SeededRandom
    /// The results store: one row per student in roll order.
    public internal(set) var results: [ResultRow]
    /// Increases whenever a result changes, so the runtime knows to export.
    public internal(set) var resultsRevision = 0

    public struct SyncState: Sendable, Equatable {
        public enum NodeStatus: Sendable, Equatable { case idle, polled, replied, adjusted }
        /// The round in progress, if any.
        public var round: Int?
        public var spreadBefore: VirtualDuration = .zero
        public var pendingAdjusts = 0
        public var status: [NodeStatus] = []
        /// Per clock: what the latest round did to it.
        public var lastAdjust: [ClockAdjustment?] = []
        public var lastRound: BerkeleyRound?
        public var lastResult: SyncRoundResult?
        public var roundsCompleted = 0
        /// Per clock, the last round whose ADJUST it applied (each applies once per round).
        var adjustedRound: [Int] = []
    }

    public struct ClockAdjustment: Sendable, Equatable {
        public var round: Int
        public var localBefore: VirtualTime
        public var delta: VirtualDuration
        /// The daemon's estimate of this clock's offset from its own (0 for the daemon).
        public var estimatedOffset: VirtualDuration
        public var averaged: Bool
        public var roundTrip: VirtualDuration?
    }

    public init(config: Config) {
        seed = config.seed
        scenario = config.data.scenario
        students = config.data.students(count: config.studentCount)
        var random = SeededRandom(seed: config.seed)
        var clockRandom = random.fork()
        network = Network(config: scenario.network, random: random.fork())
        examRandom = random.fork()
        clockNodes = [.main, .teacher] + students.indices.map { NodeID.student($0 + 1) }
        let skew = scenario.maxSkew.microseconds
        let drift = scenario.maxDriftPPM * 1_000
        clocks = clockNodes.map { _ in
            NodeClock(skew: VirtualDuration(microseconds: skew > 0 ? clockRandom.int(in: -skew...skew) : 0),
                      driftPPB: drift > 0 ? clockRandom.int(in: -drift...drift) : 0)
        }
        daemon = BerkeleyDaemon(config: .init(tolerance: scenario.syncTolerance))
        log = EventLog(encodes: config.encodesLog)
        exam = ExamState(students: students.count, questions: config.data.questions, scenario: scenario)
        router = SubmissionRouter(mainSlots: scenario.mainSlots)
        isa = IsaState(students: students.count)
        detector = CheatingDetector(students: students.indices.map { .student($0 + 1) }, flagsPerMinute: scenario.flagsPerMinute)
        results = students.map(ResultRow.pending)
        sync.status = Array(repeating: .idle, count: clockNodes.count)
        sync.lastAdjust = Array(repeating: nil, count: clockNodes.count)
        sync.adjustedRound = Array(repeating: 0, count: clockNodes.count)
    }

    // MARK: Driving

    /// Carries out an operator command now.
    public func apply(_ command: OperatorCommand) {
        revision += 1
        commandLog.append((now, command))
        record(.command(command))
        switch command {
        case .start(let p): start(p)
        case .nextPhase: start(nextPhase)
        case .toggleTakeover(let k): toggleTakeover(k)
        case .answer(let k, let choice): operatorAnswer(k, choice)
        case .submitExam(let k): operatorSubmit(k)
        case .requestMarksheet(let k): operatorRequestMarksheet(k)
        case .isaKey(let k, let key): operatorIsaKey(k, key)
        case .demo(let k, let key): operatorDemo(k, key)
        }
    }

    /// Schedules an operator command for a later virtual time (headless scripts).
    public func schedule(_ command: OperatorCommand, at time: VirtualTime) {
        queue.schedule(.command(command), at: max(time, now))
    }

    /// Delivers every event due at or before `limit`, then sets the time to `limit`.
    public func run(until limit: VirtualTime) {
        while let (t, e) = queue.popNext(notAfter: limit) {
            now = t
            handle(e)
        }
        if limit > now {
            now = limit
            revision += 1
        }
    }

    /// Delivers exactly the next event. Returns false when nothing is pending.
    @discardableResult
    public func step() -> Bool {
        guard let (t, e) = queue.popNext() else { return false }
        now = max(now, t)
        handle(e)
        return true
    }

    /// Delivers events up to and including the next message delivery (timers on the way are
    /// handled too): the single step a class watches. Returns false when nothing is pending.
    @discardableResult
    public func stepMessage() -> Bool {
        while let (t, e) = queue.popNext() {
            now = max(now, t)
            handle(e)
            if case .deliver = e { return true }
        }
        return false
    }

    /// Whether the next event is a message delivery (what `stepMessage` stops after).
    var nextEventIsDelivery: Bool {
        if case .deliver? = queue.next { true } else { false }
    }

    /// Delivers events until none is pending.
    public func runUntilQuiet() {
        while step() {}
    }

    public var isQuiet: Bool { queue.isEmpty }
    public var nextEventTime: VirtualTime? { queue.nextTime }

    /// Makes `p` the current phase and logs it, so the screen and the log never disagree.
    func enter(_ p: Phase) {
        phase = p
        record(.phase(p))
    }

    /// Logs the end of the walkthrough (once).
    public func finish() {
        guard phase != .done else { return }
        revision += 1
        enter(.done)
    }

    /// Encoded log lines not yet written; empties the buffer.
    public func takeEncodedLog() -> [UInt8] { log.takeEncoded() }

    // MARK: Phases

    /// The phase `n` / PageDown starts: the first one in order not yet completed.
    public var nextPhase: Phase {
        Phase.allCases.first { !completed.contains($0) } ?? .done
    }


    private func start(_ p: Phase) {
        switch p {
        case .sync: startSyncRound()
        case .exam: startExam()
        case .isa: startIsa()
        case .replication: startReplication()
        case .consistency: startDemo()
        case .done:
            say("The walkthrough is complete.")
        }
    }

    func say(_ text: String) {
        notice = Notice(text: text, at: now, serial: (notice?.serial ?? 0) + 1)
    }

    // MARK: Clock synchronization

    func clockIndex(_ node: NodeID) -> Int? {
        switch node {
        case .main: 0
        case .teacher: 1
        case .student(let k) where k >= 1 && k <= students.count: 1 + k
        default: nil
        }
    }

    /// The spread (max − min) of the synchronized clocks' readings at `t`.
    public func clockSpread(at t: VirtualTime) -> VirtualDuration {
        let readings = clocks.map { $0.reading(at: t).microseconds }
        return VirtualDuration(microseconds: (readings.max() ?? 0) - (readings.min() ?? 0))
    }

    private func startSyncRound() {
        guard sync.round == nil else {
            say("A sync round is already in progress: watch the REPLYs reach main.")
            return
        }
        if let p = phase, p != .sync { phaseBeforeSync = p }
        enter(.sync)
        sync.spreadBefore = clockSpread(at: now)
        for i in sync.status.indices { sync.status[i] = i == 0 ? .idle : .polled }
        let participants = Array(clockNodes.dropFirst())
        let actions = daemon.startRound(participants: participants, localNow: clocks[0].reading(at: now))
        sync.round = daemon.roundsStarted
        sync.pendingAdjusts = participants.count
        say(sync.roundsCompleted == 0
            ? "Sync round \(daemon.roundsStarted): main polls \(participants.count) clocks."
            : "Re-sync (round \(daemon.roundsStarted)): drift has pulled the clocks apart again.")
        perform(actions)
    }

    private func perform(_ actions: [BerkeleyDaemon.Action]) {
        for a in actions {
            switch a {
            case .send(let m, let to):
                send(.sync(m), from: .main, to: to)
            case .roundComputed(let r):
                sync.lastRound = r
            case .adjustOwnClock(let delta):
                adjustClock(0, by: delta)
            }
        }
    }

    private func adjustClock(_ i: Int, by delta: VirtualDuration) {
        let before = clocks[i].reading(at: now)
        clocks[i].adjust(by: delta)
        sync.status[i] = .adjusted
        let node = clockNodes[i]
        let estimate = sync.lastRound?.estimates.first { $0.node == node }
        sync.lastAdjust[i] = ClockAdjustment(
            round: sync.round ?? 0, localBefore: before, delta: delta,
            estimatedOffset: estimate?.offset ?? .zero,
            averaged: estimate?.averaged ?? sync.lastRound?.daemonAveraged ?? true,
            roundTrip: estimate?.roundTrip)
        record(.clockAdjust(node: node, localBefore: before, delta: delta))
    }

    private func receiveSync(_ m: BerkeleyMessage, _ env: Envelope) {
        guard let i = clockIndex(env.to) else { return }
        if env.to == .main {
            if let j = clockIndex(env.from), sync.status[j] == .polled { sync.status[j] = .replied }
            perform(daemon.received(m, from: env.from, localNow: clocks[0].reading(at: now)))
            return
        }
        switch BerkeleyClient.received(m, localNow: clocks[i].reading(at: now)) {
        case .reply(let r)?:
            send(.sync(r), from: env.to, to: env.from)
        case .adjustClock(let delta)?:
            // Once per round: a duplicated ADJUST must not move the clock twice.
            guard m.round == sync.round, sync.adjustedRound[i] != m.round else { return }
            sync.adjustedRound[i] = m.round
            adjustClock(i, by: delta)
            sync.pendingAdjusts -= 1
            if sync.pendingAdjusts == 0 { finishSyncRound() }
        case nil:
            break
        }
    }

    private func finishSyncRound() {
        guard let round = sync.round, let computed = sync.lastRound else { return }
        let result = SyncRoundResult(
            round: round, spreadBefore: sync.spreadBefore, spreadAfter: clockSpread(at: now),
            maxRoundTrip: computed.maxRoundTrip,
            outliers: computed.estimates.filter { !$0.averaged }.map(\.node) + (computed.daemonAveraged ? [] : [.main]))
        sync.lastResult = result
        sync.round = nil
        sync.roundsCompleted += 1
        record(.syncResult(result))
        if result.spreadAfter > result.maxRoundTrip {
            breakInvariant("sync_spread", "round \(round): spread after \(result.spreadAfter.milliseconds) ms exceeds the longest round trip \(result.maxRoundTrip.milliseconds) ms")
        }
        completed.insert(.sync)
        // A re-sync in the middle of a later phase hands the stage back to it.
        if let p = phaseBeforeSync {
            phase = p
            phaseBeforeSync = nil
        }
        say("Sync round \(round) done: spread \(TextFormat.fixed(result.spreadBefore.seconds, 2)) s → \(TextFormat.fixed(result.spreadAfter.seconds, 3)) s "
            + "(longest round trip \(TextFormat.fixed(result.maxRoundTrip.seconds, 3)) s).")
    }

    // MARK: Kernel plumbing

    private func handle(_ e: Event) {
        revision += 1
        eventCount += 1
        switch e {
        case .command(let c):
            apply(c)
        case .deliver(let env):
            inFlight -= 1
            record(.recv(env, duplicate: env.isDuplicate))
            switch env.payload {
            case .sync(let m): receiveSync(m, env)
            case .exam(let m): receiveExam(m, env)
            case .ra(let m): receiveRA(m, env)
            case .replica(let m): receiveReplica(m, env)
            case .lock(let m): receiveLock(m, env)
            }
        case .timer(let t):
            handleTimer(t)
        }
    }

    /// Dispatches a timer to the mechanism that set it.
    func handleTimer(_ t: Timer) {
        switch t {
        case .think(let k, let q):
            simulatedAnswer(k, q)
        case .deadline(let k, let q):
            deadlineFired(k, q)
        case .retransmit(let k):
            retransmitFired(k)
        case .flagTick:
            detectorTick()
        case .release(let q):
            releaseQuestion(q)
        case .isaRequest(let k):
            isaRequest(k)
        case .isaType(let k, let entry, let index):
            isaTyped(k, entry: entry, index: index)
        case .isaHold(let k, let entry):
            isaHoldExpired(k, entry: entry)
        case .demoThink(let k):
            demoThink(k)
        case .demoRelease(let k):
            demoReleaseDue(k)
        case .processed(let k, let server):
            gradingFinished(k, on: server)
        }
    }

    func send(_ payload: Payload, from: NodeID, to: NodeID) {
        let (id, arrival, duplicate) = network.transmit(from: from, to: to, at: now)
        let env = Envelope(id: id, from: from, to: to, sentAt: now, payload: payload)
        messageCounts[payload.mechanism, default: 0] += 1
        inFlight += 1
        record(.send(env))
        queue.schedule(.deliver(env), at: arrival)
        if let duplicate {
            var copy = env
            copy.isDuplicate = true
            inFlight += 1
            queue.schedule(.deliver(copy), at: duplicate)
        }
    }

    func record(_ kind: LogEntry.Kind) {
        log.append(LogEntry(t: now, kind: kind))
    }

    func breakInvariant(_ name: String, _ detail: String) {
        brokenInvariants.append("\(name): \(detail)")
        record(.invariant(name: name, detail: detail))
    }
}
