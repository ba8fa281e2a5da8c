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
