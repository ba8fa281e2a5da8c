/// The admin console of the lesson: which phase is on, which are done, what the operator
/// was last told. It turns operator commands into commands for nodes (it is the one place
/// that knows the order of the phases), and it watches the log: when a sync round has
/// reached every clock, and — through its invariant checker — whether every invariant holds.
public struct Lesson: Sendable {
    public internal(set) var phase: Phase?
    /// The phase a re-sync interrupted, to return to when the round ends.
    var phaseBeforeSync: Phase?
    public internal(set) var completed: Set<Phase> = []
    public internal(set) var notice: Notice?
    public internal(set) var commandLog: [(at: VirtualTime, command: OperatorCommand)] = []
    /// Every break as `name: detail`, in order (the node's own checks included).
    public internal(set) var brokenInvariants: [String] = []
    /// The invariant checker, fed from what the log records.
    public internal(set) var invariants = Invariants()
    /// When each phase was first started.
    public internal(set) var startedAt: [Phase: VirtualTime] = [:]
    public internal(set) var syncedBeforeExam = false

    /// The sync round in progress: its number, the clocks still to adjust, the spread before.
    public internal(set) var syncRound: Int?
    /// The clocks whose ADJUST of the round in progress has been applied, and those whose
    /// ADJUST will never come (lost: the node was down or cut off).
    var syncAdjusted: Set<NodeID> = []
    var syncLost: Set<NodeID> = []
    /// The clocks that jumped (a fault) while the round was in progress: its arithmetic no
    /// longer describes them.
    var syncJumped: Set<NodeID> = []
    /// main's clock jumped before it computed the round: the round is void.
    var syncVoid = false
    /// Why the round in progress must start again (set while an event is handled).
    var syncAgain: String?
    var spreadBefore = VirtualDuration.zero
    public internal(set) var lastSyncResult: SyncRoundResult?
    public internal(set) var syncRoundsCompleted = 0
    /// Over the completed rounds: the clocks polled, and those that answered in time.
    var syncPolled = 0
    var syncAnswered = 0

    /// Who holds the ISA critical section, as the log shows it.
    public var csHolder: NodeID? { invariants.csHolder }
    var demoExits = 0
    /// Submissions sent to the backup because main did not answer.
    public internal(set) var failovers = 0
    let studentCount: Int

    init(studentCount: Int) { self.studentCount = studentCount }

    /// The phase `n` / PageDown starts: the first one in order not yet completed.
    public var nextPhase: Phase { Phase.allCases.first { !completed.contains($0) } ?? .done }

    /// The stage a screen shows: the phase on, or what comes first.
    public func started(_ p: Phase) -> Bool { startedAt[p] != nil }
}

extension World {
    // MARK: Operator commands

    /// Carries out an operator command now.
    mutating func apply(_ command: OperatorCommand, storage: StoragePort) {
        var command = command
        if case .inject(let s) = command {
            // A fault from the menu begins now: its spec is anchored to the phase on.
            command = .inject(specNow(s.kind, node: s.node, from: s.from, to: s.to, duration: s.duration, amount: s.amount))
        }
        revision += 1
        lesson.commandLog.append((now, command))
        // A phase that cannot start now is refused, with why, and the log does not say it ran
        // (the session record keeps it: a replay refuses it the same way).
        let phase: Phase? = switch command {
        case .start(let p): p
        case .nextPhase: lesson.nextPhase
        default: nil
        }
        if let p = phase, let why = startRefusal(p) { return say(why) }
        kernel.record(.command(command))
        let n = roster.count
        switch command {
        case .start(let p): start(p, storage: storage)
        case .nextPhase: start(lesson.nextPhase, storage: storage)
        case .toggleTakeover(let k):
            guard (1...n).contains(k) else { return }
            tell(.student(k), .student(.toggleTakeover), storage: storage)
            let s = cluster.students[student: k]
            if s.operated {
                say(lesson.started(.isa)
                    ? "You now play S\(k) \(s.profile.name): i asks for the marksheet, then type the mark and Enter."
                    : "You now play S\(k) \(s.profile.name): a–d answer, s submits, t hands it back.")
            } else {
                say("S\(k) \(s.profile.name) is simulated again.")
            }
        case .answer(let k, let choice):
            guard (1...n).contains(k), (0...3).contains(choice), operatorPlays(k, before: "answering for it") else { return }
            guard lesson.started(.exam) else { return say("The exam has not started: press 2.") }
            tell(.student(k), .student(.answer(choice)), storage: storage)
        case .submitExam(let k):
            guard (1...n).contains(k), operatorPlays(k, before: "submitting for it") else { return }
            guard lesson.started(.exam) else { return say("The exam has not started: press 2.") }
            tell(.student(k), .student(.submit), storage: storage)
        case .requestMarksheet(let k):
            guard (1...n).contains(k) else { return }
            guard lesson.started(.isa) else {
                return say(lesson.completed.contains(.exam) ? "The ISA phase has not started: press 3." : "ISA marks come after the exam.")
            }
            guard !lesson.completed.contains(.isa) else {
                // The ISA phase is over (a demo write may have changed a mark since): say so,
                // rather than quote the mark entered then as if it were the mark now.
                return say("The ISA phase is over: every mark is in the marksheet." + (lesson.started(.consistency) ? " In the demo, w writes a new one." : ""))
            }
            guard operatorPlays(k, before: "asking for the marksheet") else { return }
            tell(.student(k), .student(.requestMarksheet), storage: storage)
        case .isaKey(let k, let key):
            guard (1...n).contains(k), cluster.students[student: k].operated else { return }
            tell(.student(k), .student(.isaKey(key)), storage: storage)
        case .inject(let spec):
            inject(spec, storage: storage)
        case .restart(let node):
            restartNode(node, storage: storage)
        case .demo(let k, let key):
            guard (1...n).contains(k) else { return }
            guard lesson.started(.consistency) else {
                return say(lesson.completed.contains(.replication) ? "The demo has not started: press 5." : "The consistency demo comes after replication (4).")
            }
            guard operatorPlays(k, before: "reading or writing for it") else { return }
            tell(.student(k), .student(.demoKey(key)), storage: storage)
        }
    }

    private mutating func operatorPlays(_ k: Int, before doing: String) -> Bool {
        guard cluster.students[student: k].operated else {
            say("Press t to take over S\(k) before \(doing).")
            return false
        }
        return true
    }

    /// The sync round in progress is lost (main crashed in it, or its clock jumped while it
    /// read the replies): a new round, from the start.
    mutating func resync(storage: StoragePort, why: String) {
        beginSyncRound(storage: storage)
        say("\(why): main polls again (round \(lesson.syncRound ?? 1)).")
    }

    /// main polls every clock in a new round; the console follows it from scratch.
    private mutating func beginSyncRound(storage: StoragePort) {
        lesson.syncAdjusted = []
        lesson.syncLost = []
        lesson.syncJumped = []
        lesson.syncVoid = false
        tell(.main, .main(.startSync(participants: Array(clockNodes.dropFirst()))), storage: storage)
        lesson.syncRound = cluster.main.view.roundsStarted
    }

    /// Why phase `p` cannot start now, or nil when it can: the first step missing before it
    /// (sync is optional; the exam, ISA marks and the replicas come in order).
    func startRefusal(_ p: Phase) -> String? {
        if kernel.isDown(.main) { return "main is down: restart it (f) before starting the \(p.rawValue) phase." }
        func ran(_ q: Phase) -> Bool { lesson.started(q) }
        func done(_ q: Phase) -> Bool { lesson.completed.contains(q) }
        let steps: [(phase: Phase, key: Int, name: String)] = [(.exam, 2, "the exam"), (.isa, 3, "the ISA marks"), (.replication, 4, "the replicas")]
        let needs: String
        switch p {
        case .sync:
            return lesson.syncRound != nil ? "A sync round is already in progress: watch the REPLYs reach main." : nil
        case .exam:
            guard !ran(.exam) else { return done(.exam) ? "The exam is over: every submission is recorded." : "The exam is already running." }
            return nil
        case .isa:
            guard !ran(.isa) else { return done(.isa) ? "Every ISA mark is in the marksheet." : "The ISA phase is already running." }
            needs = "ISA marks come after the exam"
        case .replication:
            guard !ran(.replication) else { return done(.replication) ? "The replicas are in place." : "Replication is already under way." }
            needs = "Replicas hold the final results"
        case .consistency:
            guard !ran(.consistency) else { return done(.consistency) ? "The consistency demo is over." : "The consistency demo is running." }
            needs = "The demo reads and writes the replicas"
        case .done:
            return nil
        }
        guard let missing = steps.first(where: { $0.phase < p && !done($0.phase) }) else { return nil }
        return ran(missing.phase)
            ? "\(needs): wait for \(missing.name) to finish."
            : "\(needs): start \(missing.name) first (\(missing.key))."
    }

    private mutating func start(_ p: Phase, storage: StoragePort) {
        let n = roster.count
        if let why = startRefusal(p) { return say(why) }
        switch p {
        case .sync:
            if let cur = lesson.phase, cur != .sync { lesson.phaseBeforeSync = cur }
            enter(.sync)
            lesson.spreadBefore = clockSpread()
            beginSyncRound(storage: storage)
            let round = lesson.syncRound ?? 1
            say(lesson.syncRoundsCompleted == 0
                ? "Sync round \(round): main polls \(clockNodes.count - 1) clocks."
                : "Re-sync (round \(round)): drift has pulled the clocks apart again.")
        case .exam:
            enter(.exam)
            lesson.syncedBeforeExam = lesson.completed.contains(.sync)
            tell(.main, .main(.startExam), storage: storage)
            let questions = cluster.main.questions.count, seconds = scenario.secondsPerQuestion
            say(lesson.syncedBeforeExam
                ? "Exam started: \(questions) questions, \(seconds) s each on every student's synchronized clock."
                : "Exam started WITHOUT clock sync: each countdown runs on a clock seconds off main's, so they disagree.")
        case .isa:
            enter(.isa)
            for k in 1...n { tell(.student(k), .student(.isaOpened), storage: storage) }
            say("ISA marks: each student needs the shared marksheet; Ricart–Agrawala lets one in at a time (watch the lock queues).")
        case .replication:
            enter(.replication)
            tell(.main, .main(.replicate), storage: storage)
            say("Replication: \(ReplicationCoordinator.chunkCount) chunks by roll, each sent to \(ReplicationCoordinator.replicaCount) replicas; watch replica_write and the files appear.")
        case .consistency:
            enter(.consistency)
            tell(.main, .main(.verifyMetadata), storage: storage)
            for r in 1...ReplicationCoordinator.replicaCount { tell(.replica(r), .replica(.verify), storage: storage) }
            for k in 1...n { tell(.student(k), .student(.demoOpened), storage: storage) }
            say("Consistency demo: each student reads or writes its own row under its chunk's read/write lock; writes reach all \(ReplicationCoordinator.replicaCount) replicas.")
        case .done:
            say("The walkthrough is complete.")
        }
    }

    /// Makes `p` the current phase and logs it, so the screen and the log never disagree.
    mutating func enter(_ p: Phase) {
        lesson.phase = p
        if lesson.startedAt[p] == nil {
            lesson.startedAt[p] = now
            scheduleFaults(of: p)
        }
        kernel.record(.phase(p))
    }

    /// Logs the end of the walkthrough (once).
    mutating func finish() {
        guard lesson.phase != .done else { return }
        revision += 1
        enter(.done)
    }

    mutating func say(_ text: String) {
        lesson.notice = Notice(text: text, serial: (lesson.notice?.serial ?? 0) + 1)
    }

    /// The spread (max − min) of the synchronized clocks' readings now.
    public func clockSpread() -> VirtualDuration { clockSpread(of: clockNodes) }

    func clockSpread(of nodes: [NodeID]) -> VirtualDuration {
        let readings = nodes.map { kernel.local($0).microseconds }
        return VirtualDuration(microseconds: (readings.max() ?? 0) - (readings.min() ?? 0))
    }

    // MARK: Watching

    /// Takes in what the kernel reported after a node's effects.
    mutating func absorb(_ reports: [Report]) {
        // A node that checks an invariant itself (main) has already logged its break: the
        // checker's finding of the same break in the same batch adds no second line.
        let reported = Set(reports.compactMap { if case .invariant(let name, _) = $0 { name } else { nil } })
        var found: Set<String> = []
        for r in reports {
            switch r {
            case .notice(let text):
                say(text)
            case .invariant(let name, let detail):
                lesson.brokenInvariants.append("\(name): \(detail)")
                if !found.contains(name) { lesson.invariants.record(.init(name: name, detail: detail)) }
            case .completed(let p):
                complete(p)
            case .clockAdjusted(let node):
                guard node != .main, lesson.syncRound != nil else { continue }
                lesson.syncAdjusted.insert(node)
                checkSyncRound()
            case .dropped(let env):
                guard case .sync(.adjust) = env.payload, lesson.syncRound != nil else { continue }
                lesson.syncLost.insert(env.to)
                checkSyncRound()
            case .logged(let kind):
                for b in watch(kind) {
                    found.insert(b.name)
                    if !reported.contains(b.name) { logBreach(b) }
                }
            }
        }
    }

    /// Feeds one logged line to the invariant checker, and follows the demo to its end.
    /// Returns the breaks found (recorded by the checker, not yet logged).
    private mutating func watch(_ kind: LogEntry.Kind) -> [Invariants.Breach] {
        var found = lesson.invariants.observe(kind)
        switch kind {
        case .demoChoice(_, "exit"):
            lesson.demoExits += 1
            checkDemoDone()
        case .lockRelease(_, let c, let mode):
            // A completed write: main has committed it, every replica has confirmed it.
            if mode == .write { found += lesson.invariants.checkReplicas(chunk: c, replicaCopies(chunk: c)) }
            checkDemoDone()
        case .failover:
            lesson.failovers += 1
        default:
            break
        }
        return found
    }

    /// What each replica holds of chunk `c`, beside what main's metadata says it holds.
    func replicaCopies(chunk c: Int) -> [Invariants.CopyView] {
        let metadata = cluster.main.durable.coordinator.copies
        // Live copies only: a crashed replica is compared again once it is back.
        return cluster.replicas.filter { !kernel.isDown(.replica($0.number)) }.map { r in
            let held = r.store.copy(c).flatMap { copy in
                r.store.sha256[c - 1].map { ReplicationCoordinator.CopyInfo(version: copy.version, sha256: $0) }
            }
            let described = metadata.indices.contains(r.number - 1) ? metadata[r.number - 1][c - 1] : nil
            return Invariants.CopyView(replica: r.number, held: held, metadata: described)
        }
    }

    /// Records a break found outside the checker, and logs it.
    mutating func breakInvariant(_ name: String, _ detail: String) {
        let b = Invariants.Breach(name: name, detail: detail)
        lesson.invariants.record(b)
        logBreach(b)
    }

    /// Logs a break the checker has recorded.
    private mutating func logBreach(_ b: Invariants.Breach) {
        lesson.brokenInvariants.append("\(b.name): \(b.detail)")
        kernel.record(.invariant(name: b.name, detail: b.detail))
    }

    private mutating func complete(_ p: Phase) {
        guard !lesson.completed.contains(p) else { return }
        lesson.completed.insert(p)
        let main = cluster.main.view
        switch p {
        case .exam:
            say("Exam over: \(roster.count) submissions recorded — main \(main.servers.handledByMain), backup \(main.servers.handledByBackup), \(main.servers.redirects) redirected.")
        case .isa:
            let timeouts = cluster.students.filter { if case .done(_, .timeout) = $0.isa { true } else { false } }.count
            say("ISA done: \(roster.count) students entered the marksheet one at a time (\(timeouts) by hold timeout), \(kernel.messageCounts[.ra, default: 0]) messages.")
        case .replication:
            for c in 1...ReplicationCoordinator.chunkCount {
                for b in lesson.invariants.checkReplicas(chunk: c, replicaCopies(chunk: c)) { logBreach(b) }
            }
            say("Replicas in place: \(ReplicationCoordinator.chunkCount) chunks × \(ReplicationCoordinator.replicaCount) copies, version 1, checksums in replication_metadata.json.")
        default:
            break
        }
    }

    /// The round in progress is over once main has computed it and every ADJUST it sent has
    /// been applied or lost.
    mutating func checkSyncRound() {
        guard let round = lesson.syncRound, let computed = cluster.main.view.lastRound, computed.round == round else { return }
        let settled = lesson.syncAdjusted.union(lesson.syncLost)
        guard computed.estimates.allSatisfy({ settled.contains($0.node) }) else { return }
        if lesson.syncVoid {
            // main's clock jumped while it read the replies: the offsets it computed are wrong
            // by the jump, so the round proves nothing. It polls again (after this event).
            lesson.syncVoid = false
            lesson.syncAgain = "main's clock jumped while it read the REPLYs of round \(round)"
            return
        }
        finishSyncRound()
    }

    private mutating func finishSyncRound() {
        guard let round = lesson.syncRound, let computed = cluster.main.view.lastRound else { return }
        // The bound holds for the clocks the round corrected: main and every ADJUST applied
        // (a node left out, or whose ADJUST was lost, was not synchronized).
        // A clock that jumped mid-round is outside what the round can promise.
        let synced = ([NodeID.main] + clockNodes.filter { lesson.syncAdjusted.contains($0) }).filter { !lesson.syncJumped.contains($0) }
        let result = SyncRoundResult(
            round: round, spreadBefore: lesson.spreadBefore, spreadAfter: clockSpread(of: synced), maxRoundTrip: computed.maxRoundTrip,
            outliers: computed.estimates.filter { !$0.averaged }.map(\.node) + (computed.daemonAveraged ? [] : [.main]),
            leftOut: computed.unanswered, notAdjusted: clockNodes.filter { lesson.syncLost.contains($0) && !lesson.syncAdjusted.contains($0) },
            jumped: clockNodes.filter { lesson.syncJumped.contains($0) },
            average: computed.average, averagedCount: computed.estimates.filter(\.averaged).count + (computed.daemonAveraged ? 1 : 0))
        lesson.lastSyncResult = result
        lesson.syncRound = nil
        lesson.syncRoundsCompleted += 1
        lesson.syncPolled += computed.estimates.count + computed.unanswered.count
        lesson.syncAnswered += computed.estimates.count
        kernel.record(.syncResult(result))
        // With main's own clock jumped mid-round, the round's offsets mean nothing: no bound.
        if !lesson.syncJumped.contains(.main) {
            for b in lesson.invariants.observe(.syncResult(result)) { logBreach(b) }
        }
        lesson.completed.insert(.sync)
        // A re-sync in the middle of a later phase hands the stage back to it.
        if let p = lesson.phaseBeforeSync {
            lesson.phase = p
            lesson.phaseBeforeSync = nil
        }
        say("Sync round \(round) done: spread \(TextFormat.fixed(result.spreadBefore.seconds, 2)) s → \(TextFormat.fixed(result.spreadAfter.seconds, 3)) s "
            + "(longest round trip \(TextFormat.fixed(result.maxRoundTrip.seconds, 3)) s).")
    }

    private mutating func checkDemoDone() {
        guard lesson.started(.consistency), !lesson.completed.contains(.consistency), lesson.demoExits == roster.count,
              cluster.main.durable.locks.allSatisfy({ $0.holders.isEmpty && $0.waiting.isEmpty }) else { return }
        lesson.completed.insert(.consistency)
        let reads = cluster.students.reduce(0) { $0 + $1.demo.reads }, writes = cluster.students.reduce(0) { $0 + $1.demo.writes }
        say("Demo over: \(reads) reads, \(writes) writes; every replica of each chunk at the same version.")
        finish()
    }
}
