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
    public internal(set) var facts = NarrationFacts()

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
            let progress = facts.logged(kind, students: cluster.students.count)
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
        let students = cluster.studentViews
        ctx.operated = students.map(\.operated)
        let main = cluster.main.view
        ctx.handledByMain = main.servers.handledByMain
        ctx.handledByBackup = main.servers.handledByBackup
        ctx.redirects = main.servers.redirects
        ctx.isaTimeouts = students.filter { if case .done(_, .timeout) = $0.isa { true } else { false } }.count
        ctx.raMessages = kernel.messageCounts[.ra, default: 0]
        ctx.demoExits = facts.demoExits
        ctx.locksIdle = main.locks.allSatisfy { $0.holders.isEmpty && $0.waiting.isEmpty }
        ctx.demoReads = students.reduce(0) { $0 + $1.demo.reads }
        ctx.demoWrites = students.reduce(0) { $0 + $1.demo.writes }
        return ctx
    }
}

/// Facts of the run the narration and the summaries quote, counted from the log.
public struct NarrationFacts: Sendable, Equatable {
    /// Students who chose exit in the consistency demo.
    public private(set) var demoExits = 0
    /// Submissions sent to the backup because main did not answer.
    public private(set) var failovers = 0

    /// Takes in a logged line; true when it may end the consistency demo: every student has
    /// left it, and this line is the last one leaving or a lock released.
    mutating func logged(_ kind: LogEntry.Kind, students: Int) -> Bool {
        switch kind {
        case .demoChoice(_, "exit"):
            demoExits += 1
            return demoExits == students
        case .lockRelease:
            return demoExits == students
        case .failover:
            failovers += 1
        default:
            break
        }
        return false
    }
}
