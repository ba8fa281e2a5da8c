/// The backup server: grades the submissions main forwards when its 3 slots are busy (no
/// slot limit of its own), acknowledges the student, and reports the record to main.
public struct BackupServer: ExamServer, Sendable {
    public enum Timer: Hashable, Sendable {
        case processed(student: Int)
    }

    public typealias Effects = [Effect<Timer>]

    /// What survives a crash: the submissions it recorded.
    public struct Durable: Sendable {
        public var records: [SubmitRecord?]
    }

    public struct Volatile: Sendable {
        /// Being graded: the submission, when it reached main, when grading began.
        var grading: [Int: (sub: Submission, arrived: VirtualTime, started: VirtualTime)] = [:]
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
        guard case .exam(.forward(let k, let sub, let arrived)) = payload, students.hasStudent(k) else { return [] }
        if let rec = durable.records[student: k] {
            return [.send(.exam(.ack(final: rec.final, server: .backup)), to: .student(k))]
        }
        guard volatile.grading[k] == nil else { return [] }   // a duplicate of one being graded
        volatile.grading[k] = (sub, arrived, ctx.now)
        return [.setTimer(.processed(student: k), after: volatile.random.duration(in: scenario.processingMin...scenario.processingMax))]
    }

    public mutating func timerFired(_ t: Timer, _ ctx: NodeContext) -> Effects {
        guard case .processed(let k) = t, let g = volatile.grading.removeValue(forKey: k), durable.records[student: k] == nil else { return [] }
        let rec = Grading.record(g.sub, student: k, roll: students[student: k].roll, questions: questions, server: .backup,
                                 arrived: g.arrived, started: g.started)
        durable.records[student: k] = rec
        return [.log(.submit(rec)), .send(.exam(.recorded(rec)), to: .main), .send(.exam(.ack(final: rec.final, server: .backup)), to: .student(k))]
    }

    public mutating func storageResult(_ r: StorageResult, _ ctx: NodeContext) -> Effects { [] }

    public var busy: [NodeID] { volatile.grading.keys.sorted().map { .student($0) } }
}
