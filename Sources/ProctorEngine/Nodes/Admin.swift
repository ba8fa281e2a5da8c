/// The admin console as a node: it owns the order of the phases, the refusals of a step
/// out of order, and the operator's commands. Like every node it takes an input and hands
/// back what it wants done as effects: it logs the command and the phase it starts, asks the
/// host to command other nodes (`Order.command`) or to inject a fault, and tells the
/// operator what happened (`notice`). It never sends a message: in this simulation the
/// admin is the console itself, so its orders reach the nodes as commands.
///
/// What it knows of the run beyond its own state comes in its `Context`: the nodes that are
/// down, the students the operator plays, and the facts its narration quotes — read from
/// the nodes' public views and from the observers, never from a node's internals.
public struct Admin: Sendable {
    /// The console sets no timer.
    public enum Timer: Hashable, Sendable {}

    /// What reaches the console.
    public enum Command: Sendable, Equatable {
        /// The operator pressed a key (or a headless script gave a command).
        case operate(OperatorCommand)
        /// A node saw a phase's work complete (every submission recorded, every copy stored).
        case completed(Phase)
        /// The sync observer saw the round in progress end.
        case syncRoundDone(SyncRoundResult)
        /// The sync observer saw the round in progress lost: main polls again.
        case syncRoundLost(why: String)
        /// A student left the demo, or a lock was released: the demo may be over.
        case demoProgress
        /// The walkthrough ends (the headless run, or the operator, is done).
        case finish
        /// A fault struck a node (or ended): the console says what it means.
        case fault(FaultSpec, began: Bool)
    }

    /// A decision of the console for the host to carry out.
    public enum Order: Sendable, Equatable {
        /// Hand `command` to `node` now. A node that is down refuses it with a notice, unless
        /// `whenDown` is `.deliver`: the node takes it in without effects (a phase opening,
        /// which it takes up when it is back).
        case command(Cluster.Command, to: NodeID, whenDown: WhenDown)
        /// Inject a fault now.
        case inject(FaultSpec)
        /// Restart a crashed node.
        case restart(NodeID)
        /// Schedule the faults anchored to this phase (it has just started for the first time).
        case scheduleFaults(Phase)
    }

    public enum WhenDown: Sendable, Equatable { case refuse, deliver }

    /// What the console sees when an input reaches it.
    public struct Context: Sendable {
        public var now: VirtualTime
        /// Crashed nodes.
        public var down: Set<NodeID> = []
        /// Per student (from 1): whether the operator plays it.
        public var operated: [Bool] = []
        /// main's counts of the submissions it and the backup handled, and redirected.
        public var handledByMain = 0
        public var handledByBackup = 0
        public var redirects = 0
        /// Students whose ISA entry ended by the hold timeout.
        public var isaTimeouts = 0
        /// Ricart–Agrawala messages sent so far.
        public var raMessages = 0
        /// Students who chose exit in the demo.
        public var demoExits = 0
        /// Whether no chunk lock is held or waited for.
        public var locksIdle = true
        public var demoReads = 0
        public var demoWrites = 0

        public init(now: VirtualTime) { self.now = now }

        public func isDown(_ node: NodeID) -> Bool { down.contains(node) }
        func operates(_ k: Int) -> Bool { operated.indices.contains(k - 1) && operated[k - 1] }
    }

    public typealias Effects = [Effect<Timer>]

    /// The class: names, for what the console says.
    public let roster: [RosterEntry]
    let questionCount: Int
    let secondsPerQuestion: Int

    public private(set) var phase: Phase?
    /// The phase a re-sync interrupted, to return to when the round ends.
    private var phaseBeforeSync: Phase?
    public private(set) var completed: Set<Phase> = []
    public private(set) var notice: Notice?
    public private(set) var commandLog: [(at: VirtualTime, command: OperatorCommand)] = []
    /// When each phase was first started.
    public private(set) var startedAt: [Phase: VirtualTime] = [:]
    public private(set) var syncedBeforeExam = false
    /// The sync round in progress (the number main gives it), nil when none is.
    public private(set) var syncRound: Int?
    /// Rounds main has been asked to start, and rounds that ended.
    private var roundsStarted = 0
    public private(set) var syncRoundsCompleted = 0

    public init(roster: [RosterEntry], questionCount: Int, secondsPerQuestion: Int) {
        self.roster = roster
        self.questionCount = questionCount
        self.secondsPerQuestion = secondsPerQuestion
    }

    var studentCount: Int { roster.count }

    /// The phase `n` / PageDown starts: the first one in order not yet completed.
    public var nextPhase: Phase { Phase.allCases.first { !completed.contains($0) } ?? .done }

    /// Whether phase `p` has been started.
    public func started(_ p: Phase) -> Bool { startedAt[p] != nil }

    /// The nodes whose clocks Berkeley synchronizes besides main: the teacher, the students.
    var syncParticipants: [NodeID] { [.teacher] + roster.indices.map { .student($0 + 1) } }

    // MARK: Inputs

    public mutating func command(_ c: Command, _ ctx: Context) -> Effects {
        switch c {
        case .operate(let command): operate(command, ctx)
        case .completed(let p): complete(p, ctx)
        case .syncRoundDone(let result): syncRoundDone(result)
        case .syncRoundLost(let why): resync(why: why)
        case .demoProgress: demoProgress(ctx)
        case .finish: finish(ctx)
        case .fault(let f, let began): narrate(f, began: began)
        }
    }

    /// The console is sent no message and writes no file: these inputs do nothing. (It sets
    /// no timer either, so, like a replica, it has no `timerFired`.)
    public mutating func received(_ payload: Payload, from: NodeID, _ ctx: NodeContext) -> Effects { [] }
    public mutating func storageResult(_ r: StorageResult, _ ctx: NodeContext) -> Effects { [] }

    /// Shows the operator a line: a node's notice, or the host's own word.
    public mutating func show(_ text: String) {
        notice = Notice(text: text, serial: (notice?.serial ?? 0) + 1)
    }

    /// A spec for a fault beginning at `now`: anchored to the phase on, at its elapsed time.
    public func specNow(_ kind: FaultSpec.Kind, node: NodeID? = nil, from: NodeID? = nil, to: NodeID? = nil,
                        duration: VirtualDuration? = nil, amount: VirtualDuration? = nil, now: VirtualTime) -> FaultSpec {
        let p = phase ?? .sync
        // Whole milliseconds: the spec reads well, and a menu fault begins now whatever it says.
        let offset = startedAt[p].map { VirtualDuration.milliseconds((now - $0).milliseconds) } ?? .zero
        return FaultSpec(kind: kind, node: node, from: from, to: to, phase: p, offset: offset, duration: duration, amount: amount)
    }

    // MARK: Operator commands

    private mutating func operate(_ given: OperatorCommand, _ ctx: Context) -> Effects {
        var command = given
        if case .inject(let s) = command {
            // A fault from the menu begins now: its spec is anchored to the phase on.
            command = .inject(specNow(s.kind, node: s.node, from: s.from, to: s.to, duration: s.duration, amount: s.amount, now: ctx.now))
        }
        commandLog.append((ctx.now, command))
        // A phase that cannot start now is refused, with why, and the log does not say it ran
        // (the session record keeps it: a replay refuses it the same way).
        let phase: Phase? = switch command {
        case .start(let p): p
        case .nextPhase: nextPhase
        default: nil
        }
        if let p = phase, let why = startRefusal(p, ctx) { return [.notice(why)] }
        var out: Effects = [.log(.command(command))]
        let n = studentCount
        switch command {
        case .start(let p):
            out += start(p, ctx)
        case .nextPhase:
            out += start(nextPhase, ctx)
        case .toggleTakeover(let k):
            guard (1...n).contains(k) else { break }
            out.append(tell(.student(k), .student(.toggleTakeover)))
            // A student that is down refuses the command: it stays as it was.
            let plays = ctx.isDown(.student(k)) ? ctx.operates(k) : !ctx.operates(k)
            let name = roster[k - 1].name
            if plays {
                out.append(.notice(started(.isa)
                    ? "You now play S\(k) \(name): i asks for the marksheet, then type the mark and Enter."
                    : "You now play S\(k) \(name): a–d answer, s submits, t hands it back."))
            } else {
                out.append(.notice("S\(k) \(name) is simulated again."))
            }
        case .answer(let k, let choice):
            guard (1...n).contains(k), (0...3).contains(choice) else { break }
            guard let refusal = operatorPlays(k, before: "answering for it", ctx) ?? examRefusal else {
                out.append(tell(.student(k), .student(.answer(choice))))
                break
            }
            out.append(refusal)
        case .submitExam(let k):
            guard (1...n).contains(k) else { break }
            guard let refusal = operatorPlays(k, before: "submitting for it", ctx) ?? examRefusal else {
                out.append(tell(.student(k), .student(.submit)))
                break
            }
            out.append(refusal)
        case .requestMarksheet(let k):
            guard (1...n).contains(k) else { break }
            guard started(.isa) else {
                out.append(.notice(completed.contains(.exam) ? "The ISA phase has not started: press 3." : "ISA marks come after the exam."))
                break
            }
            guard !completed.contains(.isa) else {
                // The ISA phase is over (a demo write may have changed a mark since): say so,
                // rather than quote the mark entered then as if it were the mark now.
                out.append(.notice("The ISA phase is over: every mark is in the marksheet." + (started(.consistency) ? " In the demo, w writes a new one." : "")))
                break
            }
            if let refusal = operatorPlays(k, before: "asking for the marksheet", ctx) {
                out.append(refusal)
            } else {
                out.append(tell(.student(k), .student(.requestMarksheet)))
            }
        case .isaKey(let k, let key):
            guard (1...n).contains(k), ctx.operates(k) else { break }
            out.append(tell(.student(k), .student(.editIsaMark(key.edit))))
        case .inject(let spec):
            out.append(.order(.inject(spec)))
        case .restart(let node):
            out.append(.order(.restart(node)))
        case .demo(let k, let key):
            guard (1...n).contains(k) else { break }
            guard started(.consistency) else {
                out.append(.notice(completed.contains(.replication) ? "The demo has not started: press 5." : "The consistency demo comes after replication (4)."))
                break
            }
            if let refusal = operatorPlays(k, before: "reading or writing for it", ctx) {
                out.append(refusal)
            } else {
                out.append(tell(.student(k), .student(key.studentCommand)))
            }
        }
        return out
    }

    private var examRefusal: Effect<Timer>? {
        started(.exam) ? nil : .notice("The exam has not started: press 2.")
    }

    private func operatorPlays(_ k: Int, before doing: String, _ ctx: Context) -> Effect<Timer>? {
        ctx.operates(k) ? nil : .notice("Press t to take over S\(k) before \(doing).")
    }

    private func tell(_ node: NodeID, _ c: Cluster.Command, whenDown: WhenDown = .refuse) -> Effect<Timer> {
        .order(.command(c, to: node, whenDown: whenDown))
    }

    // MARK: Phases

    /// Why phase `p` cannot start now, or nil when it can: the first step missing before it
    /// (sync is optional; the exam, ISA marks and the replicas come in order).
    public func startRefusal(_ p: Phase, _ ctx: Context) -> String? {
        if ctx.isDown(.main) { return "main is down: restart it (f) before starting the \(p.rawValue) phase." }
        func ran(_ q: Phase) -> Bool { started(q) }
        func done(_ q: Phase) -> Bool { completed.contains(q) }
        let steps: [(phase: Phase, key: Int, name: String)] = [(.exam, 2, "the exam"), (.isa, 3, "the ISA marks"), (.replication, 4, "the replicas")]
        let needs: String
        switch p {
        case .sync:
            return syncRound != nil ? "A sync round is already in progress: watch the REPLYs reach main." : nil
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

    private mutating func start(_ p: Phase, _ ctx: Context) -> Effects {
        if let why = startRefusal(p, ctx) { return [.notice(why)] }
        let n = studentCount
        let replicas = ReplicationCoordinator.replicaCount
        switch p {
        case .sync:
            if let cur = phase, cur != .sync { phaseBeforeSync = cur }
            var out = enter(.sync, ctx)
            out += beginSyncRound()
            let round = syncRound ?? 1
            out.append(.notice(syncRoundsCompleted == 0
                ? "Sync round \(round): main polls \(syncParticipants.count) clocks."
                : "Re-sync (round \(round)): drift has pulled the clocks apart again."))
            return out
        case .exam:
            var out = enter(.exam, ctx)
            syncedBeforeExam = completed.contains(.sync)
            out.append(tell(.main, .main(.startExam)))
            out.append(.notice(syncedBeforeExam
                ? "Exam started: \(questionCount) questions, \(secondsPerQuestion) s each on every student's synchronized clock."
                : "Exam started WITHOUT clock sync: each countdown runs on a clock seconds off main's, so they disagree."))
            return out
        case .isa:
            // A student that is down takes the phase up when it is back: nothing leaves it now.
            return enter(.isa, ctx) + (1...n).map { tell(.student($0), .student(.isaOpened), whenDown: .deliver) }
                + [.notice("ISA marks: each student needs the shared marksheet; Ricart–Agrawala lets one in at a time (watch the lock queues).")]
        case .replication:
            return enter(.replication, ctx) + [tell(.main, .main(.replicate)),
                .notice("Replication: \(ReplicationCoordinator.chunkCount) chunks by roll, each sent to \(replicas) replicas; watch replica_write and the files appear.")]
        case .consistency:
            return enter(.consistency, ctx) + [tell(.main, .main(.verifyMetadata))]
                + (1...replicas).map { tell(.replica($0), .replica(.verify)) }
                + (1...n).map { tell(.student($0), .student(.demoOpened), whenDown: .deliver) }
                + [.notice("Consistency demo: each student reads or writes its own row under its chunk's read/write lock; writes reach all \(replicas) replicas.")]
        case .done:
            return [.notice("The walkthrough is complete.")]
        }
    }

    /// Makes `p` the current phase and logs it, so the screen and the log never disagree.
    private mutating func enter(_ p: Phase, _ ctx: Context) -> Effects {
        phase = p
        var out: Effects = []
        if startedAt[p] == nil {
            startedAt[p] = ctx.now
            out.append(.order(.scheduleFaults(p)))
        }
        out.append(.log(.phase(p)))
        return out
    }

    /// Logs the end of the walkthrough (once).
    private mutating func finish(_ ctx: Context) -> Effects {
        guard phase != .done else { return [] }
        return enter(.done, ctx)
    }

    /// main polls every clock in a new round.
    private mutating func beginSyncRound() -> Effects {
        roundsStarted += 1
        syncRound = roundsStarted
        return [tell(.main, .main(.startSync(participants: syncParticipants)))]
    }

    /// The sync round in progress is lost (main crashed in it, or its clock jumped while it
    /// read the replies): a new round, from the start.
    private mutating func resync(why: String) -> Effects {
        let out = beginSyncRound()
        return out + [.notice("\(why): main polls again (round \(syncRound ?? 1)).")]
    }

    private mutating func syncRoundDone(_ result: SyncRoundResult) -> Effects {
        syncRound = nil
        syncRoundsCompleted += 1
        completed.insert(.sync)
        // A re-sync in the middle of a later phase hands the stage back to it.
        if let p = phaseBeforeSync {
            phase = p
            phaseBeforeSync = nil
        }
        return [.notice("Sync round \(result.round) done: spread \(TextFormat.fixed(result.spreadBefore.seconds, 2)) s → \(TextFormat.fixed(result.spreadAfter.seconds, 3)) s "
            + "(longest round trip \(TextFormat.fixed(result.maxRoundTrip.seconds, 3)) s).")]
    }

    private mutating func complete(_ p: Phase, _ ctx: Context) -> Effects {
        guard !completed.contains(p) else { return [] }
        completed.insert(p)
        switch p {
        case .exam:
            return [.notice("Exam over: \(studentCount) submissions recorded — main \(ctx.handledByMain), backup \(ctx.handledByBackup), \(ctx.redirects) redirected.")]
        case .isa:
            return [.notice("ISA done: \(studentCount) students entered the marksheet one at a time (\(ctx.isaTimeouts) by hold timeout), \(ctx.raMessages) messages.")]
        case .replication:
            return [.notice("Replicas in place: \(ReplicationCoordinator.chunkCount) chunks × \(ReplicationCoordinator.replicaCount) copies, version 1, checksums in replication_metadata.json.")]
        default:
            return []
        }
    }

    /// What a node's fault means, in words.
    private func narrate(_ f: FaultSpec, began: Bool) -> Effects {
        guard let node = f.node?.shortName else { return [] }
        switch (f.kind, began) {
        case (.crash, true): return [.notice("\(node) crashed: it keeps only what it had made durable; messages to it are lost.")]
        case (.crash, false): return [.notice("\(node) restarted from its durable state.")]
        case (.partition, true): return [.notice("\(node) is cut off from every other node.")]
        case (.partition, false): return [.notice("The partition around \(node) heals.")]
        case (.clockjump, true):
            guard let delta = f.amount else { return [] }
            return [.notice("\(node)'s clock jumped \(delta.microseconds < 0 ? "back" : "ahead") \(TextFormat.fixed(delta.magnitude.seconds, 1)) s; a sync round (1) pulls it back.")]
        default: return []
        }
    }

    /// The demo is over once every student has left it and no lock is held or waited for.
    private mutating func demoProgress(_ ctx: Context) -> Effects {
        guard started(.consistency), !completed.contains(.consistency), ctx.demoExits == studentCount, ctx.locksIdle else { return [] }
        completed.insert(.consistency)
        return [.notice("Demo over: \(ctx.demoReads) reads, \(ctx.demoWrites) writes; every replica of each chunk at the same version.")] + finish(ctx)
    }
}

extension IsaKey {
    /// The edit of the mark this key makes.
    var edit: Student.MarkEdit {
        switch self {
        case .digit(let d): .digit(d)
        case .backspace: .erase
        case .enter: .confirm
        case .escape: .cancel
        }
    }
}

extension DemoKey {
    /// What the student is told to do when the operator presses this key for it in the demo.
    var studentCommand: Student.Command {
        switch self {
        case .read: .chooseInDemo(.read)
        case .write: .chooseInDemo(.write)
        case .exit: .chooseInDemo(.exit)
        case .digit(let d): .editDemoMark(.digit(d))
        case .backspace: .editDemoMark(.erase)
        case .enter: .editDemoMark(.confirm)
        case .escape: .editDemoMark(.cancel)
        }
    }
}
