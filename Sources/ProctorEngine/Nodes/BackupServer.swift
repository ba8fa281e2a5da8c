/// The backup server: grades the submissions main forwards when its 3 slots are busy (no
/// slot limit of its own), acknowledges the student, and reports the record to main.
public struct BackupServer: ExamServer, Sendable {
    public enum Timer: Hashable, Sendable {
        case processed(student: Int)
        /// main has not said whose a failed-over submission is: ask again.
        case ownerTimeout(student: Int)
    }

    /// How long the backup waits for main to say whose a failed-over submission is.
    public static let ownerTimeout = VirtualDuration.seconds(2)

    public typealias Effects = [Effect<Timer>]

    /// What survives a crash: the submissions it recorded.
    public struct Durable: Sendable {
        public var records: [SubmitRecord?]
    }

    public struct Volatile: Sendable {
        /// Being graded: the submission, when it reached main, when grading began.
        var grading: [StudentID: (sub: Submission, arrived: VirtualTime, started: VirtualTime)] = [:]
        /// Failed-over submissions waiting for main to say whose they are.
        var asking: [StudentID: (sub: Submission, at: VirtualTime)] = [:]
        var random: SeededRandom
    }

    public let setup: ExamSetup
    public private(set) var durable: Durable
    public private(set) var volatile: Volatile

    public init(_ setup: ExamSetup) {
        self.setup = setup
        let students = setup.roster, seed = setup.seed
        durable = Durable(records: Array(repeating: nil, count: students.count))
        volatile = Volatile(random: SeededRandom(seed: seed, stream: NodeID.backup.denseIndex))
    }

    public mutating func crash() {
        volatile = Volatile(random: SeededRandom(seed: seed, stream: NodeID.backup.denseIndex))
    }

    public mutating func restart() {}

    public mutating func received(_ payload: Payload, from: NodeID, _ ctx: NodeContext) -> Effects {
        switch payload {
        case .exam(.forward(let k, let sub, let arrived)) where students.hasStudent(k):
            return take(k, sub, arrived: arrived, ctx)
        case .exam(.submit(let sub)):
            // A student's failover: main did not answer it. Main may only be slow, so ask it
            // first; nobody is recorded by both servers.
            guard case .student(let k) = from, students.hasStudent(k) else { return [] }
            if let rec = durable.records[student: k] { return [.send(.exam(.ack(final: rec.final, server: .backup)), to: from)] }
            guard volatile.grading[k] == nil, volatile.asking[k] == nil else { return [] }
            volatile.asking[k] = (sub, ctx.now)
            return [.send(.exam(.whose(student: k)), to: .main), .setTimer(.ownerTimeout(student: k), after: Self.ownerTimeout)]
        case .exam(.owner(let k, let mainHasIt)):
            guard let a = volatile.asking.removeValue(forKey: k) else { return [] }
            return [.cancelTimer(.ownerTimeout(student: k))] + (mainHasIt ? [] : take(k, a.sub, arrived: a.at, ctx))
        case .exam(.recall):
            // A restarted main asks whom the backup recorded or is grading, then learns the
            // records again.
            let mine = durable.records.indices.filter { durable.records[$0] != nil }.map { $0 + 1 } + volatile.grading.keys.sorted()
            return [.send(.exam(.claims(mine)), to: .main)] + durable.records.compactMap { $0 }.map { .send(.exam(.recorded($0)), to: .main) }
        default:
            return []
        }
    }

    private mutating func take(_ k: Int, _ sub: Submission, arrived: VirtualTime, _ ctx: NodeContext) -> Effects {
        if let rec = durable.records[student: k] {
            return [.send(.exam(.ack(final: rec.final, server: .backup)), to: .student(k))]
        }
        guard volatile.grading[k] == nil else { return [] }   // a duplicate of one being graded
        volatile.grading[k] = (sub, arrived, ctx.now)
        return [.setTimer(.processed(student: k), after: volatile.random.duration(in: scenario.processingMin...scenario.processingMax))]
    }

    public mutating func timerFired(_ t: Timer, _ ctx: NodeContext) -> Effects {
        if case .ownerTimeout(let k) = t {
            // No answer: main is down or cut off. It may have recorded this student before it
            // went (its records are durable), so the backup asks again rather than record a
            // second time: a long outage costs the student time, never exactly-once.
            guard volatile.asking[k] != nil else { return [] }
            return [.send(.exam(.whose(student: k)), to: .main), .setTimer(.ownerTimeout(student: k), after: Self.ownerTimeout)]
        }
        guard case .processed(let k) = t, let g = volatile.grading.removeValue(forKey: k), durable.records[student: k] == nil else { return [] }
        let rec = Grading.record(g.sub, student: k, roll: students[student: k].roll, questions: questions, server: .backup,
                                 arrived: g.arrived, started: g.started)
        durable.records[student: k] = rec
        return [.log(.submit(rec)), .send(.exam(.recorded(rec)), to: .main), .send(.exam(.ack(final: rec.final, server: .backup)), to: .student(k))]
    }

    public mutating func storageResult(_ r: StorageResult, _ ctx: NodeContext) -> Effects { [] }

    public var busy: [NodeID] { volatile.grading.keys.sorted().map { .student($0) } }

    /// What a screen may read of the backup: the students it is grading now.
    public struct View: Sendable {
        public var busy: [NodeID]
    }

    public var view: View { View(busy: busy) }
}
