/// Every node of the exam, addressed by id: routes each input to the node it is for and
/// tags the effects that come back with the node's timer type. It holds no state of its
/// own beyond the nodes, and no node sees another's state.
public struct Cluster: Sendable {
    /// Any node's timer, tagged by role (the kernel stores it with the node's id).
    public enum Timer: Hashable, Sendable {
        case main(MainServer.Timer)
        case backup(BackupServer.Timer)
        case student(Student.Timer)
        case teacher(Teacher.Timer)
        case replica(Replica.Timer)
        case admin(Admin.Timer)
    }

    public enum Command: Sendable, Equatable {
        case main(MainServer.Command)
        case student(Student.Command)
        case replica(Replica.Command)
    }

    public typealias Effects = [Effect<Timer>]

    public internal(set) var main: MainServer
    public internal(set) var backup: BackupServer
    public internal(set) var teacher: Teacher
    public internal(set) var students: [Student]
    public internal(set) var replicas: [Replica]

    public init(roster: [RosterEntry], questions: [Question], scenario: Scenario, seed: UInt64) {
        let setup = ExamSetup(roster: roster, questions: questions, scenario: scenario, seed: seed)
        main = MainServer(setup)
        backup = BackupServer(setup)
        teacher = Teacher()
        students = roster.enumerated().map { i, s in
            Student(number: i + 1, profile: .init(roll: s.roll, name: s.name, questions: questions, scenario: scenario, studentCount: roster.count), seed: seed)
        }
        replicas = (1...ReplicationCoordinator.replicaCount).map { Replica(number: $0) }
    }

    func isStudent(_ k: Int) -> Bool { students.hasStudent(k) }

    /// Every student's view, in roll order.
    public var studentViews: [Student.View] { students.map(\.view) }
    /// Every replica's view, by number.
    public var replicaViews: [Replica.View] { replicas.map(\.view) }

    mutating func received(_ env: Envelope, _ ctx: NodeContext) -> Effects {
        switch env.to {
        case .main: main.received(env.payload, from: env.from, ctx).map { $0.mapTimer(Timer.main) }
        case .backup: backup.received(env.payload, from: env.from, ctx).map { $0.mapTimer(Timer.backup) }
        case .teacher: teacher.received(env.payload, from: env.from, ctx).map { $0.mapTimer(Timer.teacher) }
        case .student(let k) where isStudent(k):
            students[student: k].received(env.payload, from: env.from, ctx).map { $0.mapTimer(Timer.student) }
        case .replica(let r) where replicas.indices.contains(r - 1):
            replicas[r - 1].received(env.payload, from: env.from, ctx).map { $0.mapTimer(Timer.replica) }
        default: []
        }
    }

    mutating func timerFired(_ t: Timer, at node: NodeID, _ ctx: NodeContext) -> Effects {
        switch (node, t) {
        case (.main, .main(let t)): main.timerFired(t, ctx).map { $0.mapTimer(Timer.main) }
        case (.backup, .backup(let t)): backup.timerFired(t, ctx).map { $0.mapTimer(Timer.backup) }
        case (.student(let k), .student(let t)) where isStudent(k):
            students[student: k].timerFired(t, ctx).map { $0.mapTimer(Timer.student) }
        default: []
        }
    }

    mutating func command(_ c: Command, to node: NodeID, _ ctx: NodeContext) -> Effects {
        switch (node, c) {
        case (.main, .main(let c)): main.command(c, ctx).map { $0.mapTimer(Timer.main) }
        case (.student(let k), .student(let c)) where isStudent(k):
            students[student: k].command(c, ctx).map { $0.mapTimer(Timer.student) }
        case (.replica(let r), .replica(let c)) where replicas.indices.contains(r - 1):
            replicas[r - 1].command(c, ctx).map { $0.mapTimer(Timer.replica) }
        default: []
        }
    }

    /// The node keeps only its durable state.
    mutating func crash(_ node: NodeID) {
        switch node {
        case .main: main.crash()
        case .backup: backup.crash()
        case .teacher: teacher.crash()
        case .student(let k) where isStudent(k): students[student: k].crash()
        case .replica(let r) where replicas.indices.contains(r - 1): replicas[student: r].crash()
        default: break
        }
    }

    /// The node comes back from its durable state; what it does first (catching up) comes
    /// back as effects.
    mutating func restart(_ node: NodeID, _ ctx: NodeContext) -> Effects {
        switch node {
        case .main: return main.restart(ctx).map { $0.mapTimer(Timer.main) }
        case .backup: backup.restart(); return []
        case .teacher: teacher.restart(); return []
        case .student(let k) where isStudent(k): return students[student: k].restart(ctx).map { $0.mapTimer(Timer.student) }
        case .replica(let r) where replicas.indices.contains(r - 1): replicas[student: r].restart(); return []
        default: return []
        }
    }

    /// The failure detector tells `node` that `peer` is reachable again (it restarted, or a
    /// link or partition between them healed): the node resends what the peer may have missed.
    mutating func reachable(_ peer: NodeID, at node: NodeID, _ ctx: NodeContext) -> Effects {
        switch node {
        case .main: main.reachable(peer, ctx).map { $0.mapTimer(Timer.main) }
        case .student(let k) where isStudent(k): students[student: k].reachable(peer, ctx).map { $0.mapTimer(Timer.student) }
        default: []
        }
    }

    mutating func storageResult(_ r: StorageResult, at node: NodeID, _ ctx: NodeContext) -> Effects {
        switch node {
        case .main: main.storageResult(r, ctx).map { $0.mapTimer(Timer.main) }
        case .backup: backup.storageResult(r, ctx).map { $0.mapTimer(Timer.backup) }
        case .student(let k) where isStudent(k): students[student: k].storageResult(r, ctx).map { $0.mapTimer(Timer.student) }
        case .replica(let n) where replicas.indices.contains(n - 1):
            replicas[n - 1].storageResult(r, ctx).map { $0.mapTimer(Timer.replica) }
        default: []
        }
    }
}

extension Effect {
    /// The same effect with its timer tagged (or translated) by `f`.
    func mapTimer<U>(_ f: (Timer) -> U) -> Effect<U> {
        switch self {
        case .send(let p, let to): .send(p, to: to)
        case .setTimer(let t, let after): .setTimer(f(t), after: after)
        case .setTimerAtLocal(let t, let local): .setTimerAtLocal(f(t), local: local)
        case .cancelTimer(let t): .cancelTimer(f(t))
        case .log(let k): .log(k)
        case .persist(let path, let bytes, let sha): .persist(path: path, bytes: bytes, sha256: sha)
        case .check(let path, let sha): .check(path: path, sha256: sha)
        case .persistWorkbook(let path, let rows): .persistWorkbook(path: path, rows: rows)
        case .adjustClock(let d): .adjustClock(by: d)
        case .notice(let s): .notice(s)
        case .completed(let p): .completed(p)
        case .invariantBroken(let n, let d): .invariantBroken(name: n, detail: d)
        case .order(let o): .order(o)
        }
    }
}

/// What the servers know of the exam from the start: the roster, the questions with their
/// answers, the scenario's tunables, and the seed their random streams are forked from.
public struct ExamSetup: Sendable {
    public var roster: [RosterEntry]
    public var questions: [Question]
    public var scenario: Scenario
    public var seed: UInt64
}

/// A server that knows the exam from its setup (main and the backup).
public protocol ExamServer {
    var setup: ExamSetup { get }
}

extension ExamServer {
    public var students: [RosterEntry] { setup.roster }
    public var questions: [Question] { setup.questions }
    public var scenario: Scenario { setup.scenario }
    var seed: UInt64 { setup.seed }
}
