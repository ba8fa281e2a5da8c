/// What an observer asks of the host after reading a report: a line for the log (what the
/// console measured, or an invariant it saw broken), or an input for the admin node.
public enum Observation: Sendable, Equatable {
    case log(LogEntry.Kind)
    case console(Admin.Command)
}

/// The observers beside the nodes: they read what the host delivered and what the nodes'
/// effects did (the kernel's reports, the log lines), and the nodes' public views — never a
/// node's internals — and keep what the screen needs beyond the nodes' views: the sync
/// round's bookkeeping, the invariants, the facts the narration quotes.
public struct Observers: Sendable {
    public internal(set) var sync = SyncRoundObserver()
    public internal(set) var invariants = InvariantObserver()
    public internal(set) var facts = LessonFacts()

    /// Reads one report of a batch (the effects of one node's input); hands back what the
    /// host should do about it, in order.
    mutating func observe(_ r: EffectReport, batch: inout InvariantObserver.Batch, cluster: Cluster, kernel: Kernel<Cluster.Timer>) -> [Observation] {
        switch r {
        case .notice, .order:
            return []
        case .invariant(let name, let detail):
            invariants.reported(name: name, detail: detail, in: batch)
            return []
        case .completed(let p):
            return invariants.completed(p, cluster: cluster, kernel: kernel) + [.console(.completed(p))]
        case .clockAdjusted(let node):
            return sync.clockAdjusted(node, cluster: cluster, kernel: kernel, invariants: &invariants)
        case .dropped(let env):
            return sync.dropped(env, cluster: cluster, kernel: kernel, invariants: &invariants)
        case .logged(let kind):
            sync.logged(kind, cluster: cluster, kernel: kernel)
            let progress = facts.logged(kind)
            let found = invariants.logged(kind, cluster: cluster, kernel: kernel, batch: &batch)
            // The demo may end (its phase line) before a break this line revealed is logged.
            return (progress ? [.console(.demoProgress)] : []) + found
        }
    }

    /// A timer fired at `node`: a wait an observer follows may be over.
    mutating func timerFired(_ t: Cluster.Timer, at node: NodeID, cluster: Cluster, kernel: Kernel<Cluster.Timer>) -> [Observation] {
        sync.timerFired(t, at: node, cluster: cluster, kernel: kernel, invariants: &invariants)
    }

    /// The host carried out one of the admin's orders.
    mutating func performed(_ order: Admin.Order, cluster: Cluster) {
        sync.performed(order, cluster: cluster)
    }

    /// Inputs for the admin that an observer holds until the event in hand is over.
    mutating func takeAlerts() -> [Admin.Command] {
        sync.takeAlerts()
    }

    /// The console's context: what the admin sees, from the nodes' views and these observers.
    func context(cluster: Cluster, kernel: Kernel<Cluster.Timer>) -> Admin.Context {
        var ctx = Admin.Context(now: kernel.now)
        ctx.down = Set(kernel.down.keys)
        ctx.operated = cluster.students.map(\.operated)
        let main = cluster.main.view
        ctx.handledByMain = main.servers.handledByMain
        ctx.handledByBackup = main.servers.handledByBackup
        ctx.redirects = main.servers.redirects
        ctx.isaTimeouts = cluster.students.filter { if case .done(_, .timeout) = $0.isa { true } else { false } }.count
        ctx.raMessages = kernel.messageCounts[.ra, default: 0]
        ctx.demoExits = facts.demoExits
        ctx.locksIdle = main.locks.allSatisfy { $0.holders.isEmpty && $0.waiting.isEmpty }
        ctx.demoReads = cluster.students.reduce(0) { $0 + $1.demo.reads }
        ctx.demoWrites = cluster.students.reduce(0) { $0 + $1.demo.writes }
        return ctx
    }
}

/// Facts of the run the narration and the summaries quote, counted from the log.
public struct LessonFacts: Sendable, Equatable {
    /// Students who chose exit in the consistency demo.
    public private(set) var demoExits = 0
    /// Submissions sent to the backup because main did not answer.
    public private(set) var failovers = 0

    /// Takes in a logged line; true when it may end the consistency demo (a student left
    /// it, or a lock was released).
    mutating func logged(_ kind: LogEntry.Kind) -> Bool {
        switch kind {
        case .demoChoice(_, "exit"):
            demoExits += 1
            return true
        case .lockRelease:
            return true
        case .failover:
            failovers += 1
        default:
            break
        }
        return false
    }
}

/// The sync round's bookkeeping, kept by watching the run: the round main was asked to start,
/// the ADJUSTs applied and lost, the clocks that jumped meanwhile. When main has computed the
/// round and every ADJUST it sent has been applied or lost, the round is over: the observer
/// measures the spread of the clocks it corrected and logs `sync_result`.
public struct SyncRoundObserver: Sendable {
    /// The sync round in progress (main's number for it), nil when none is.
    public private(set) var round: Int?
    /// The clocks whose ADJUST of the round in progress has been applied, and those whose
    /// ADJUST will never come (lost: the node was down or cut off).
    var adjusted: Set<NodeID> = []
    var lost: Set<NodeID> = []
    /// The clocks that jumped (a fault) while the round was in progress: its arithmetic no
    /// longer describes them.
    var jumped: Set<NodeID> = []
    /// main's clock jumped before it computed the round: the round is void.
    var void = false
    /// Why the round in progress must start again (set while an event is handled).
    var again: String?
    var spreadBefore = VirtualDuration.zero
    public private(set) var lastResult: SyncRoundResult?
    public private(set) var roundsCompleted = 0
    /// Over the completed rounds: the clocks polled, and those that answered in time.
    public private(set) var polled = 0
    public private(set) var answered = 0

    public init() {}

    /// The nodes whose clocks Berkeley synchronizes: main (the daemon), the teacher, the students.
    static func clockNodes(_ cluster: Cluster) -> [NodeID] {
        [.main, .teacher] + cluster.students.indices.map { .student($0 + 1) }
    }

    /// The admin asked main to poll: a round begins, followed from scratch.
    mutating func performed(_ order: Admin.Order, cluster: Cluster) {
        guard case .command(.main(.startSync), to: .main, _) = order else { return }
        adjusted = []
        lost = []
        jumped = []
        void = false
        round = cluster.main.view.roundsStarted
    }

    mutating func logged(_ kind: LogEntry.Kind, cluster: Cluster, kernel: Kernel<Cluster.Timer>) {
        switch kind {
        case .phase(.sync):
            spreadBefore = kernel.spread(of: Self.clockNodes(cluster))
        case .fault(let fault, let node?, _, _, _) where fault == "clockjump":
            guard let round else { return }
            jumped.insert(node)
            if node == .main, cluster.main.view.lastRound?.round != round { void = true }
        case .recover(let fault, .main?, _, _) where fault == "restart":
            // main's round died with it: the console polls again.
            if let round { again = "main lost sync round \(round) with its crash" }
        default:
            break
        }
    }

    mutating func clockAdjusted(_ node: NodeID, cluster: Cluster, kernel: Kernel<Cluster.Timer>,
                                invariants: inout InvariantObserver) -> [Observation] {
        guard node != .main, round != nil else { return [] }
        adjusted.insert(node)
        return check(cluster: cluster, kernel: kernel, invariants: &invariants)
    }

    mutating func dropped(_ env: Envelope, cluster: Cluster, kernel: Kernel<Cluster.Timer>,
                          invariants: inout InvariantObserver) -> [Observation] {
        guard case .sync(.adjust) = env.payload, round != nil else { return [] }
        lost.insert(env.to)
        return check(cluster: cluster, kernel: kernel, invariants: &invariants)
    }

    /// A sync round that timed out may have nobody left to adjust.
    mutating func timerFired(_ t: Cluster.Timer, at node: NodeID, cluster: Cluster, kernel: Kernel<Cluster.Timer>,
                             invariants: inout InvariantObserver) -> [Observation] {
        guard node == .main, case .main(.syncTimeout) = t else { return [] }
        return check(cluster: cluster, kernel: kernel, invariants: &invariants)
    }

    mutating func takeAlerts() -> [Admin.Command] {
        guard let why = again else { return [] }
        again = nil
        return [.syncRoundLost(why: why)]
    }

    /// The round in progress is over once main has computed it and every ADJUST it sent has
    /// been applied or lost.
    mutating func check(cluster: Cluster, kernel: Kernel<Cluster.Timer>, invariants: inout InvariantObserver) -> [Observation] {
        guard let round, let computed = cluster.main.view.lastRound, computed.round == round else { return [] }
        let settled = adjusted.union(lost)
        guard computed.estimates.allSatisfy({ settled.contains($0.node) }) else { return [] }
        if void {
            // main's clock jumped while it read the replies: the offsets it computed are wrong
            // by the jump, so the round proves nothing. It polls again (after this event).
            void = false
            again = "main's clock jumped while it read the REPLYs of round \(round)"
            return []
        }
        return finish(computed, round: round, cluster: cluster, kernel: kernel, invariants: &invariants)
    }

    private mutating func finish(_ computed: BerkeleyRound, round: Int, cluster: Cluster, kernel: Kernel<Cluster.Timer>,
                                 invariants: inout InvariantObserver) -> [Observation] {
        let clockNodes = Self.clockNodes(cluster)
        // The bound holds for the clocks the round corrected: main and every ADJUST applied
        // (a node left out, or whose ADJUST was lost, was not synchronized).
        // A clock that jumped mid-round is outside what the round can promise.
        let synced = ([NodeID.main] + clockNodes.filter { adjusted.contains($0) }).filter { !jumped.contains($0) }
        let result = SyncRoundResult(
            round: round, spreadBefore: spreadBefore, spreadAfter: kernel.spread(of: synced), maxRoundTrip: computed.maxRoundTrip,
            outliers: computed.estimates.filter { !$0.averaged }.map(\.node) + (computed.daemonAveraged ? [] : [.main]),
            leftOut: computed.unanswered, notAdjusted: clockNodes.filter { lost.contains($0) && !adjusted.contains($0) },
            jumped: clockNodes.filter { jumped.contains($0) },
            average: computed.average, averagedCount: computed.estimates.filter(\.averaged).count + (computed.daemonAveraged ? 1 : 0))
        lastResult = result
        self.round = nil
        roundsCompleted += 1
        polled += computed.estimates.count + computed.unanswered.count
        answered += computed.estimates.count
        var out: [Observation] = [.log(.syncResult(result))]
        // With main's own clock jumped mid-round, the round's offsets mean nothing: no bound.
        if !jumped.contains(.main) { out += invariants.measured(result) }
        out.append(.console(.syncRoundDone(result)))
        return out
    }
}

/// The invariant checker as the console runs it: fed every logged line, it keeps each
/// invariant's status and every break in order, and asks for a line for each break it found
/// that no node logged itself. After each completed write, and once replication is done, it
/// compares the replicas' copies (their public stores) with main's metadata (main's view).
public struct InvariantObserver: Sendable {
    /// The checker, fed from what the log records.
    public private(set) var checker = Invariants()
    /// Every break as `name: detail`, in order (the nodes' own checks included).
    public private(set) var broken: [String] = []
    private var replicationChecked = false

    /// What one batch of reports says of breaks: a node that checks an invariant itself
    /// (main) has already logged its break, so the checker's finding of the same break in the
    /// same batch adds no second line.
    struct Batch {
        var reported: Set<String>
        var found: Set<String> = []

        init(_ reports: [EffectReport]) {
            reported = Set(reports.compactMap { if case .invariant(let name, _) = $0 { name } else { nil } })
        }
    }

    /// Who holds the ISA critical section, as the log shows it.
    public var csHolder: NodeID? { checker.csHolder }

    mutating func reported(name: String, detail: String, in batch: Batch) {
        broken.append("\(name): \(detail)")
        if !batch.found.contains(name) { checker.record(.init(name: name, detail: detail)) }
    }

    mutating func logged(_ kind: LogEntry.Kind, cluster: Cluster, kernel: Kernel<Cluster.Timer>, batch: inout Batch) -> [Observation] {
        var found = checker.observe(kind)
        // A completed write: main has committed it, every replica has confirmed it.
        if case .lockRelease(_, let c, .write) = kind {
            found += checker.checkReplicas(chunk: c, Self.replicaCopies(chunk: c, cluster: cluster, kernel: kernel))
        }
        var out: [Observation] = []
        for b in found {
            batch.found.insert(b.name)
            if !batch.reported.contains(b.name) { out.append(logBreach(b)) }
        }
        return out
    }

    /// Once replication is done, every chunk's copies are compared.
    mutating func completed(_ p: Phase, cluster: Cluster, kernel: Kernel<Cluster.Timer>) -> [Observation] {
        guard p == .replication, !replicationChecked else { return [] }
        replicationChecked = true
        var out: [Observation] = []
        for c in 1...ReplicationCoordinator.chunkCount {
            for b in checker.checkReplicas(chunk: c, Self.replicaCopies(chunk: c, cluster: cluster, kernel: kernel)) { out.append(logBreach(b)) }
        }
        return out
    }

    /// A sync round's result, as the console measured it.
    mutating func measured(_ result: SyncRoundResult) -> [Observation] {
        checker.observe(.syncResult(result)).map { logBreach($0) }
    }

    private mutating func logBreach(_ b: Invariants.Breach) -> Observation {
        broken.append("\(b.name): \(b.detail)")
        return .log(.invariant(name: b.name, detail: b.detail))
    }

    /// What each replica holds of chunk `c`, beside what main's metadata says it holds.
    static func replicaCopies(chunk c: Int, cluster: Cluster, kernel: Kernel<Cluster.Timer>) -> [Invariants.CopyView] {
        let metadata = cluster.main.view.coordinator.copies
        // Live copies only: a crashed replica is compared again once it is back.
        return cluster.replicas.filter { !kernel.isDown(.replica($0.number)) }.map { r in
            let held = r.store.copy(c).flatMap { copy in
                r.store.sha256[c - 1].map { ReplicationCoordinator.CopyInfo(version: copy.version, sha256: $0) }
            }
            let described = metadata.indices.contains(r.number - 1) ? metadata[r.number - 1][c - 1] : nil
            return Invariants.CopyView(replica: r.number, held: held, metadata: described)
        }
    }
}
