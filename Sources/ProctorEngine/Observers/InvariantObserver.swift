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
            reported = []
            for case .invariant(let name, _) in reports { reported.insert(name) }
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
        return cluster.replicaViews.filter { !kernel.isDown(.replica($0.number)) }.map { r in
            let held = r.copyInfo(chunk: c)
            let described = metadata.indices.contains(r.number - 1) ? metadata[r.number - 1][c - 1] : nil
            return Invariants.CopyView(replica: r.number, held: held, metadata: described)
        }
    }
}
