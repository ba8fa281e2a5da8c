/// The whole run as one value: the kernel, the nodes, the admin console (a node too) and
/// the observers that read what the nodes did. The world is the host: it hands each event
/// to the node it is for, carries out what comes back, and lets the observers read it.
/// Copying it is a checkpoint; the same world fed the same events makes the same log.
public struct World: Sendable {
    public internal(set) var kernel: Kernel<Cluster.Timer>
    public internal(set) var cluster: Cluster
    /// The admin console: the order of the phases, refusals, the operator's commands.
    public internal(set) var admin: Admin
    /// What the screen needs beyond the nodes' views, read from delivered events and effects.
    public internal(set) var observers = Observers()
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
        admin = Admin(roster: roster, questionCount: data.questions.count, secondsPerQuestion: scenario.secondsPerQuestion)
    }

    /// The nodes with a clock of their own: main, the teacher, the students.
    public var clockNodes: [NodeID] { [.main, .teacher] + roster.indices.map { .student($0 + 1) } }

    public var now: VirtualTime { kernel.now }

    /// The spread (max − min) of the clocks' readings now.
    public func clockSpread() -> VirtualDuration { kernel.spread(of: clockNodes) }

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
                absorb([.dropped(env)], storage: storage)
                break
            }
            kernel.record(.recv(env, duplicate: env.isDuplicate))
            let effects = cluster.received(env, kernel.context(env.to))
            absorb(kernel.carryOut(effects, from: env.to, storage: storage), storage: storage)
        case .timer(let node, let t, let serial, let epoch):
            guard kernel.stands(t, of: node, serial: serial, epoch: epoch) else { break }
            let effects = cluster.timerFired(t, at: node, kernel.context(node))
            absorb(kernel.carryOut(effects, from: node, storage: storage), storage: storage)
            for o in observers.timerFired(t, at: node, cluster: cluster, kernel: kernel) { handle(o, storage: storage) }
        case .command(let c):
            apply(c, storage: storage)
        case .fault(let index, let begin):
            fault(index, begin: begin, storage: storage)
        case .storage(let node, let r):
            kernel.record(.storage(node: node, result: r))
            guard !kernel.isDown(node) else { break }   // the outcome is lost with the node
            let effects = cluster.storageResult(r, at: node, kernel.context(node))
            absorb(kernel.carryOut(effects, from: node, storage: storage), storage: storage)
        }
        handleAlerts(storage: storage)
        return e
    }

    /// Carries out an operator command now: the admin node decides what it means.
    mutating func apply(_ command: OperatorCommand, storage: StoragePort) {
        revision += 1
        commandAdmin(.operate(command), storage: storage)
        handleAlerts(storage: storage)
    }

    /// Hands a command to one node now and carries out what it returns. A node that is down
    /// refuses it, unless the admin said it takes it in anyway (it acts on it when back).
    mutating func tell(_ node: NodeID, _ c: Cluster.Command, whenDown: Admin.WhenDown = .refuse, storage: StoragePort) {
        if kernel.isDown(node) {
            switch whenDown {
            case .deliver: _ = cluster.command(c, to: node, kernel.context(node))
            case .refuse: say("\(node.shortName) is down: restart it first (f).")
            }
            return
        }
        let effects = cluster.command(c, to: node, kernel.context(node))
        absorb(kernel.carryOut(effects, from: node, storage: storage), storage: storage)
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

    // MARK: The admin node and the observers

    /// Hands the admin node an input and carries out its effects, one after the other.
    mutating func commandAdmin(_ c: Admin.Command, storage: StoragePort) {
        let effects = admin.command(c, observers.context(cluster: cluster, kernel: kernel))
        for e in effects {
            let tagged = e.mapTimer(Cluster.Timer.admin)
            absorb(kernel.carryOut([tagged], from: .admin, storage: storage), storage: storage)
        }
    }

    /// Takes in what the kernel reported after a node's effects: the operator's notices and
    /// the admin's orders are carried out; the observers read everything else.
    mutating func absorb(_ reports: [EffectReport], storage: StoragePort) {
        var batch = InvariantObserver.Batch(reports)
        for r in reports {
            switch r {
            case .notice(let text):
                say(text)
            case .order(let o):
                perform(o, storage: storage)
                observers.performed(o, cluster: cluster)
            default:
                for o in observers.observe(r, batch: &batch, cluster: cluster, kernel: kernel) { handle(o, storage: storage) }
            }
        }
    }

    private mutating func handle(_ o: Observation, storage: StoragePort) {
        switch o {
        case .log(let kind): kernel.record(kind)
        case .console(let c): commandAdmin(c, storage: storage)
        }
    }

    /// What the observers held for the admin until the event was over.
    private mutating func handleAlerts(storage: StoragePort) {
        for c in observers.takeAlerts() { commandAdmin(c, storage: storage) }
    }

    private mutating func perform(_ o: Admin.Order, storage: StoragePort) {
        switch o {
        case .command(let c, let node, let whenDown): tell(node, c, whenDown: whenDown, storage: storage)
        case .inject(let spec): inject(spec, storage: storage)
        case .restart(let node): restartNode(node, storage: storage)
        case .scheduleFaults(let p): scheduleFaults(of: p)
        }
    }

    /// Logs a line of the host's own (a fault beginning or ending) for the observers to read.
    private mutating func record(_ kind: LogEntry.Kind, storage: StoragePort) {
        kernel.record(kind)
        absorb([.logged(kind)], storage: storage)
    }

    /// Logs the end of the walkthrough (once).
    mutating func finish(storage: StoragePort) {
        revision += 1
        commandAdmin(.finish, storage: storage)
    }

    /// Tells the operator something.
    mutating func say(_ text: String) {
        admin.show(text)
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
        admin.specNow(kind, node: node, from: from, to: to, duration: duration, amount: amount, now: now)
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
            case .replica(let r)?: cluster.replicas.indices.contains(r - 1)
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
                record(.fault(kind: "crash", node: node, from: nil, to: nil, detail: f.duration.map { "for \(TextFormat.fixed($0.seconds, 1)) s" }), storage: storage)
                commandAdmin(.fault(f, began: true), storage: storage)
                if let d = f.duration { kernel.scheduleFault(index, begin: false, at: now + d) }
            } else {
                guard kernel.isDown(node) else { return }
                kernel.restart(node)
                record(.recover(kind: "restart", node: node, from: nil, to: nil), storage: storage)
                commandAdmin(.fault(f, began: false), storage: storage)
                let effects = cluster.restart(node, kernel.context(node))
                absorb(kernel.carryOut(effects, from: node, storage: storage), storage: storage)
                for other in talkers where other != node { reconnect(other, with: node, storage: storage) }
            }
        case .drop, .delay:
            guard let from = f.from, let to = f.to, exists(from), exists(to) else { return }
            let link = Kernel<Cluster.Timer>.Link(from: from, to: to)
            let kind = f.kind.rawValue
            if f.kind == .drop { kernel.block(link, begin) } else { kernel.delay(link, by: begin ? f.amount : nil) }
            if begin {
                record(.fault(kind: kind, node: nil, from: from, to: to, detail: f.amount.map { "by \($0.milliseconds) ms" }), storage: storage)
                if let d = f.duration { kernel.scheduleFault(index, begin: false, at: now + d) }
            } else {
                record(.recover(kind: kind, node: nil, from: from, to: to), storage: storage)
                if f.kind == .drop {
                    reconnect(from, with: to, storage: storage)
                    reconnect(to, with: from, storage: storage)
                }
            }
        case .partition:
            guard let node = f.node, exists(node) else { return }
            kernel.partition(node, begin)
            if begin {
                record(.fault(kind: "partition", node: node, from: nil, to: nil, detail: nil), storage: storage)
                commandAdmin(.fault(f, began: true), storage: storage)
                if let d = f.duration { kernel.scheduleFault(index, begin: false, at: now + d) }
            } else {
                record(.recover(kind: "partition", node: node, from: nil, to: nil), storage: storage)
                commandAdmin(.fault(f, began: false), storage: storage)
                for other in talkers where other != node {
                    reconnect(other, with: node, storage: storage)
                    reconnect(node, with: other, storage: storage)
                }
            }
        case .clockjump:
            guard begin, let node = f.node, exists(node), let delta = f.amount else { return }
            kernel.jumpClock(of: node, by: delta)
            record(.fault(kind: "clockjump", node: node, from: nil, to: nil,
                          detail: "by \(delta.microseconds < 0 ? "-" : "+")\(TextFormat.fixed(delta.magnitude.seconds, 3)) s"), storage: storage)
            commandAdmin(.fault(f, began: true), storage: storage)
        }
    }

    /// The nodes whose protocols resend on reconnection: main and the students.
    private var talkers: [NodeID] { [.main] + roster.indices.map { .student($0 + 1) } }

    /// The failure detector tells `node` (when up) that `peer` is reachable again.
    private mutating func reconnect(_ node: NodeID, with peer: NodeID, storage: StoragePort) {
        guard !kernel.isDown(node), !kernel.isDown(peer), !kernel.partitioned.contains(node), !kernel.partitioned.contains(peer) else { return }
        let effects = cluster.reachable(peer, at: node, kernel.context(node))
        absorb(kernel.carryOut(effects, from: node, storage: storage), storage: storage)
    }
}
