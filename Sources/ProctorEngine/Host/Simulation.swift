/// The simulation as its drivers use it (the runtime's queue, headless mode, tests): one
/// `World` value and the storage port that carries out its file effects. It does no I/O of
/// its own and reads no wall clock: given the same seed and the same commands at the same
/// virtual times, it produces the same event log, byte for byte.
public final class Simulation {
    public struct Config: Sendable {
        public var data: ExamData
        public var studentCount: Int
        public var seed: UInt64
        /// Encode every log entry as JSON Lines (for `--events`).
        public var encodesLog: Bool
        /// Faults to inject, each when its phase has run for its offset.
        public var faults: [FaultSpec]

        public init(data: ExamData, studentCount: Int, seed: UInt64, encodesLog: Bool, faults: [FaultSpec] = []) {
            self.data = data
            self.studentCount = studentCount
            self.seed = seed
            self.encodesLog = encodesLog
            self.faults = faults
        }
    }

    public internal(set) var world: World
    /// Where `persist` and `check` effects go: files for the runtime and headless mode, a
    /// map by default.
    public var storage: StoragePort
    /// Checkpoints and positioned commands, once step back is enabled.
    var history: History?
    /// Log lines taken aside when stepping back, not yet handed out.
    var held: [UInt8] = []

    public init(config: Config, storage: StoragePort = MemoryStorage()) {
        world = World(data: config.data, studentCount: config.studentCount, seed: config.seed, encodesLog: config.encodesLog,
                      faults: config.faults)
        self.storage = storage
    }

    // MARK: Driving

    /// Carries out an operator command now.
    public func apply(_ command: OperatorCommand) {
        recordCommand(command)
        world.apply(command, storage: storage)
    }

    /// Schedules an operator command for a later virtual time (headless scripts).
    public func schedule(_ command: OperatorCommand, at time: VirtualTime) {
        world.schedule(command, at: time)
    }

    /// Delivers every event due at or before `limit`, then sets the time to `limit`.
    /// Time running again from a past point starts a new branch there.
    public func run(until limit: VirtualTime) {
        if isInPast { branch() }
        while deliver(notAfter: limit) != nil {}
        world.advance(to: limit)
        if history != nil { history!.horizonTime = now }
    }

    /// Delivers exactly the next event. Returns false when nothing is pending. In the past
    /// (after a step back) it re-executes the event that followed, the same as before.
    @discardableResult
    public func step() -> Bool {
        deliver() != nil
    }

    /// Delivers events up to and including the next message delivery (timers on the way are
    /// handled too): the single step a class watches. Returns false when nothing is pending.
    ///
    /// In the past (after a step back) it re-executes exactly the next event, as `stepBack`
    /// went back one event at a time: forward again retraces the same positions and stops at
    /// the furthest point reached, never beyond it.
    @discardableResult
    public func stepMessage() -> Bool {
        if isInPast { return deliver() != nil }
        while let e = deliver() {
            if case .deliver = e { return true }
        }
        return false
    }

    private func deliver(notAfter limit: VirtualTime? = nil) -> Kernel<Cluster.Timer>.Event? {
        guard history != nil else { return world.deliverNext(notAfter: limit, storage: storage) }
        let past = isInPast
        if past { held += world.kernel.log.takeEncoded() }
        guard let e = world.deliverNext(notAfter: limit, storage: storage) else { return nil }
        delivered(reexecuting: past)
        return e
    }

    /// Delivers events until none is pending.
    public func runUntilQuiet() {
        while step() {}
    }

    /// Starts each phase in turn, each run until nothing is pending (a lesson's phases, one
    /// after the other, as fast as the CPU allows).
    public func run(through phases: [Phase]) {
        for p in phases {
            apply(.start(p))
            runUntilQuiet()
        }
    }

    /// Logs the end of the walkthrough (once).
    public func finish() { world.finish(storage: storage) }

    /// Tells the operator something (a notice on screen).
    public func say(_ text: String) {
        world.say(text)
        world.revision += 1
    }

    /// Encoded log lines not yet written; empties the buffer.
    public func takeEncodedLog() -> [UInt8] {
        guard !held.isEmpty else { return world.kernel.log.takeEncoded() }
        defer { held = [] }
        return held + world.kernel.log.takeEncoded()
    }

    /// Log lines not yet written, as a batch a writer thread encodes; empties the buffer.
    public func takeLogBatch() -> LogBatch {
        var batch = world.kernel.log.takeBatch()
        if !held.isEmpty {
            batch.bytes = held + batch.bytes
            held = []
        }
        return batch
    }

    /// From now on the log's lines are encoded by whoever takes them (`takeLogBatch`), not
    /// on the engine's thread, and no recent lines are kept for a screen: a run without one.
    /// Not with step back, which needs each point's place in the file.
    public func encodeLogLater() {
        guard history == nil else { return }
        world.kernel.log.encodeLater(keepingRecent: 0)
    }

    /// Sets aside log lines not yet taken (before the world is replaced by a past copy).
    func holdPendingLog() { held += world.kernel.log.takeEncoded() }

    // MARK: Reading

    public var now: VirtualTime { world.now }
    /// The events delivered so far (messages, timers, storage outcomes, scheduled commands).
    /// A session record notes it with each command, so a replay delivers exactly as many
    /// before applying it.
    public var eventCount: Int { world.kernel.delivered }
    /// Whether the next event is a message delivery (what `stepMessage` stops after).
    var nextEventIsDelivery: Bool {
        if case .deliver? = world.kernel.queue.next { true } else { false }
    }
    public var nextEventTime: VirtualTime? { world.kernel.nextEventTime }
    public var seed: UInt64 { world.seed }
    public var students: [RosterEntry] { world.roster }
    public var scenario: Scenario { world.scenario }
    public var log: EventLog { world.kernel.log }
    public var revision: UInt64 { world.revision }
    public var phase: Phase? { world.admin.phase }
    public var completed: Set<Phase> { world.admin.completed }
    public var nextPhase: Phase { world.admin.nextPhase }
    public var notice: Notice? { world.admin.notice }
    public var commandLog: [(at: VirtualTime, command: OperatorCommand)] { world.admin.commandLog }
    public var brokenInvariants: [String] { world.observers.invariants.broken }
    public var messageCounts: [Mechanism: Int] { world.kernel.messageCounts }
    public var inFlight: Int { world.kernel.inFlight }
    /// The results store (main's): one row per student in roll order.
    public var results: [ResultRow] { world.cluster.main.view.results }
}

extension Simulation {
    /// A snapshot of the run now (tests and headless reports).
    public func snapshot() -> Snapshot { Snapshot(simulation: self, paused: true, speed: 1) }
}
