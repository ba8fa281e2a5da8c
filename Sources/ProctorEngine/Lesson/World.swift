/// The whole run as one value: the kernel, the nodes, and the lesson console that turns the
/// operator's commands into node commands and watches the log. Copying it is a checkpoint;
/// the same world fed the same events makes the same log.
public struct World: Sendable {
    public internal(set) var kernel: Kernel<Cluster.Timer>
    public internal(set) var cluster: Cluster
    public internal(set) var lesson: Lesson
    public let roster: [RosterEntry]
    public let scenario: Scenario
    public let seed: UInt64
    /// The faults of the run, each scheduled when its phase starts.
    public internal(set) var faults: [FaultSpec]
    /// Increases with every change of state, so a runtime publishes only what changed.
    public internal(set) var revision: UInt64 = 0

    public init(data: ExamData, studentCount: Int, seed: UInt64, encodesLog: Bool, faults: [FaultSpec] = []) {
        self.seed = seed
        self.faults = faults
        scenario = data.scenario
        roster = data.students(count: studentCount)
        var random = SeededRandom(seed: seed)
        var clockRandom = random.fork()
        kernel = Kernel(network: Network(config: scenario.network, random: random.fork()), encodesLog: encodesLog)
        let skew = scenario.maxSkew.microseconds
        let drift = scenario.maxDriftPPM * 1_000
        for node in [NodeID.main, .teacher] + roster.indices.map({ NodeID.student($0 + 1) }) {
            kernel.setClock(NodeClock(skew: VirtualDuration(microseconds: skew > 0 ? clockRandom.int(in: -skew...skew) : 0),
                                      driftPPB: drift > 0 ? clockRandom.int(in: -drift...drift) : 0), of: node)
        }
        cluster = Cluster(roster: roster, questions: data.questions, scenario: scenario, seed: seed)
        lesson = Lesson(studentCount: roster.count)
    }

    /// The nodes whose clocks Berkeley synchronizes: main (the daemon), the teacher, the students.
    public var clockNodes: [NodeID] { [.main, .teacher] + roster.indices.map { .student($0 + 1) } }

    public var now: VirtualTime { kernel.now }

    // MARK: Events

    /// Delivers the next event due at or before `limit` (any, when nil). False when none is.
    @discardableResult
    mutating func deliverNext(notAfter limit: VirtualTime? = nil, storage: StoragePort) -> Kernel<Cluster.Timer>.Event? {
        guard let e = kernel.next(notAfter: limit) else { return nil }
        revision += 1
        switch e {
        case .deliver(let env):
            if kernel.isDown(env.to) {
                kernel.record(.drop(id: env.id, reason: "crashed"))
                absorb([.dropped(env)])
                break
            }
            kernel.record(.recv(env, duplicate: env.isDuplicate))
            let effects = cluster.received(env, kernel.context(env.to))
            absorb(kernel.carryOut(effects, from: env.to, storage: storage))
        case .timer(let node, let t, let serial, let epoch):
            guard kernel.stands(t, of: node, serial: serial, epoch: epoch) else { break }
            let effects = cluster.timerFired(t, at: node, kernel.context(node))
            absorb(kernel.carryOut(effects, from: node, storage: storage))
            // A sync round that timed out may have nobody left to adjust.
            if node == .main, case .main(.syncTimeout) = t { checkSyncRound() }
        case .command(let c):
            apply(c, storage: storage)
        case .fault(let index, let begin):
            fault(index, begin: begin, storage: storage)
        case .storage(let node, let r):
            kernel.record(.storage(node: node, result: r))
            guard !kernel.isDown(node) else { break }   // the outcome is lost with the node
            let effects = cluster.storageResult(r, at: node, kernel.context(node))
            absorb(kernel.carryOut(effects, from: node, storage: storage))
        }
        if let why = lesson.syncAgain {
            lesson.syncAgain = nil
            resync(storage: storage, why: why)
        }
        return e
    }

    /// Hands a command to one node now and carries out what it returns.
    mutating func tell(_ node: NodeID, _ c: Cluster.Command, storage: StoragePort) {
        if kernel.isDown(node) {
            switch c {
            case .student(.isaOpened), .student(.demoOpened):
                // The phase opens without it: it finds out when it is back (its restart takes
                // the phase up), so nothing leaves a node that is down.
                _ = cluster.command(c, to: node, kernel.context(node))
            default:
                say("\(node.shortName) is down: restart it first (f).")
            }
            return
        }
        let effects = cluster.command(c, to: node, kernel.context(node))
        absorb(kernel.carryOut(effects, from: node, storage: storage))
    }

    mutating func schedule(_ c: OperatorCommand, at t: VirtualTime) {
        kernel.schedule(.command(c), at: t)
    }

    mutating func advance(to t: VirtualTime) {
        if t > kernel.now {
            kernel.advance(to: t)
            revision += 1
        }
    }
}

extension World {
    // MARK: Faults

    /// The operator injects a fault now (the `f` menu).
    mutating func inject(_ spec: FaultSpec, storage: StoragePort) {
        faults.append(spec)
        fault(faults.count - 1, begin: true, storage: storage)
    }

    /// The operator restarts a crashed node.
    mutating func restartNode(_ node: NodeID, storage: StoragePort) {
        guard kernel.isDown(node), let i = faults.lastIndex(where: { $0.kind == .crash && $0.node == node }) else {
            return say("\(node.shortName) is not down.")
        }
        fault(i, begin: false, storage: storage)
    }

    /// A spec for a fault beginning now: anchored to the phase on, at its elapsed time.
    public func specNow(_ kind: FaultSpec.Kind, node: NodeID? = nil, from: NodeID? = nil, to: NodeID? = nil,
                        duration: VirtualDuration? = nil, amount: VirtualDuration? = nil) -> FaultSpec {
        let p = lesson.phase ?? .sync
        // Whole milliseconds: the spec reads well, and a menu fault begins now whatever it says.
        let offset = lesson.startedAt[p].map { VirtualDuration.milliseconds((now - $0).milliseconds) } ?? .zero
        return FaultSpec(kind: kind, node: node, from: from, to: to, phase: p, offset: offset, duration: duration, amount: amount)
    }

    /// Schedules the faults anchored to phase `p` (when it first starts).
    mutating func scheduleFaults(of p: Phase) {
        for (i, f) in faults.enumerated() where f.phase == p {
            kernel.scheduleFault(i, begin: true, at: now + f.offset)
        }
    }

    /// A fault begins or ends: the kernel and the node it strikes change, and the log says so.
    mutating func fault(_ index: Int, begin: Bool, storage: StoragePort) {
        let f = faults[index]
        func exists(_ n: NodeID?) -> Bool {
            switch n {
            case .student(let k)?: roster.hasStudent(k)
            case .replica(let r)?: (1...ReplicationCoordinator.replicaCount).contains(r)
            case .main?, .backup?, .teacher?: true
            default: false
            }
        }
        switch f.kind {
        case .crash:
            guard let node = f.node, exists(node) else { return }
            if begin {
                guard !kernel.isDown(node) else { return }
                kernel.crash(node)
                cluster.crash(node)
                kernel.record(.fault(kind: "crash", node: node, from: nil, to: nil, detail: f.duration.map { "for \(TextFormat.fixed($0.seconds, 1)) s" }))
                say("\(node.shortName) crashed: it keeps only what it had made durable; messages to it are lost.")
                if let d = f.duration { kernel.scheduleFault(index, begin: false, at: now + d) }
            } else {
                guard kernel.isDown(node) else { return }
                kernel.restart(node)
                kernel.record(.recover(kind: "restart", node: node, from: nil, to: nil))
                say("\(node.shortName) restarted from its durable state.")
                let effects = cluster.restart(node, kernel.context(node))
                absorb(kernel.carryOut(effects, from: node, storage: storage))
                for other in talkers where other != node { reconnect(other, with: node, storage: storage) }
                // main's sync round died with it: the console polls again.
                if node == .main, let round = lesson.syncRound { resync(storage: storage, why: "main lost sync round \(round) with its crash") }
            }
        case .drop, .delay:
            guard let from = f.from, let to = f.to, exists(from), exists(to) else { return }
            let link = Kernel<Cluster.Timer>.Link(from: from, to: to)
            let kind = f.kind.rawValue
            if f.kind == .drop { kernel.block(link, begin) } else { kernel.delay(link, by: begin ? f.amount : nil) }
            if begin {
                kernel.record(.fault(kind: kind, node: nil, from: from, to: to, detail: f.amount.map { "by \($0.milliseconds) ms" }))
                if let d = f.duration { kernel.scheduleFault(index, begin: false, at: now + d) }
            } else {
                kernel.record(.recover(kind: kind, node: nil, from: from, to: to))
                if f.kind == .drop {
                    reconnect(from, with: to, storage: storage)
                    reconnect(to, with: from, storage: storage)
                }
            }
        case .partition:
            guard let node = f.node, exists(node) else { return }
            kernel.partition(node, begin)
            if begin {
                kernel.record(.fault(kind: "partition", node: node, from: nil, to: nil, detail: nil))
                say("\(node.shortName) is cut off from every other node.")
                if let d = f.duration { kernel.scheduleFault(index, begin: false, at: now + d) }
            } else {
                kernel.record(.recover(kind: "partition", node: node, from: nil, to: nil))
                say("The partition around \(node.shortName) heals.")
                for other in talkers where other != node {
                    reconnect(other, with: node, storage: storage)
                    reconnect(node, with: other, storage: storage)
                }
            }
        case .clockjump:
            guard begin, let node = f.node, exists(node), let delta = f.amount else { return }
            kernel.jumpClock(of: node, by: delta)
            if let round = lesson.syncRound {
                lesson.syncJumped.insert(node)
                if node == .main, cluster.main.view.lastRound?.round != round { lesson.syncVoid = true }
            }
            kernel.record(.fault(kind: "clockjump", node: node, from: nil, to: nil,
                                 detail: "by \(delta.microseconds < 0 ? "-" : "+")\(TextFormat.fixed(delta.magnitude.seconds, 3)) s"))
            say("\(node.shortName)'s clock jumped \(delta.microseconds < 0 ? "back" : "ahead") \(TextFormat.fixed(delta.magnitude.seconds, 1)) s; a sync round (1) pulls it back.")
        }
    }

    /// The nodes whose protocols resend on reconnection: main and the students.
    private var talkers: [NodeID] { [.main] + roster.indices.map { .student($0 + 1) } }

    /// The failure detector tells `node` (when up) that `peer` is reachable again.
    private mutating func reconnect(_ node: NodeID, with peer: NodeID, storage: StoragePort) {
        guard !kernel.isDown(node), !kernel.isDown(peer), !kernel.partitioned.contains(node), !kernel.partitioned.contains(peer) else { return }
        let effects = cluster.reachable(peer, at: node, kernel.context(node))
        absorb(kernel.carryOut(effects, from: node, storage: storage))
    }
}
