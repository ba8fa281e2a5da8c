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
    /// Increases with every change of state, so a runtime publishes only what changed.
    public internal(set) var revision: UInt64 = 0

    public init(data: ExamData, studentCount: Int, seed: UInt64, encodesLog: Bool) {
        self.seed = seed
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
            kernel.record(.recv(env, duplicate: env.isDuplicate))
            let effects = cluster.received(env, kernel.context(env.to))
            absorb(kernel.carryOut(effects, from: env.to, storage: storage))
        case .timer(let node, let t, let serial):
            guard kernel.stands(t, of: node, serial: serial) else { break }
            let effects = cluster.timerFired(t, at: node, kernel.context(node))
            absorb(kernel.carryOut(effects, from: node, storage: storage))
        case .command(let c):
            apply(c, storage: storage)
        case .storage(let node, let r):
            kernel.record(.storage(node: node, result: r))
            let effects = cluster.storageResult(r, at: node, kernel.context(node))
            absorb(kernel.carryOut(effects, from: node, storage: storage))
        }
        return e
    }

    /// Hands a command to one node now and carries out what it returns.
    mutating func tell(_ node: NodeID, _ c: Cluster.Command, storage: StoragePort) {
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
