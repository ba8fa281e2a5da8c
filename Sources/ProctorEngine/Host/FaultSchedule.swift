/// Random faults drawn from the seed (`--chaos RATE`), and the faults a run starts with.
public enum FaultSchedule {
    /// The random stream chaos draws from: a number no node uses, so the schedule is the same
    /// whatever the nodes draw, and drawing it shifts nothing in the run.
    public static let stream = 10_000

    /// The most faults chaos puts in one phase, whatever the rate.
    public static let mostPerPhase = 1_000

    /// How long a phase is expected to last: chaos spreads its faults over this span after
    /// the phase starts.
    public struct Window: Sendable, Equatable {
        public var phase: Phase
        public var length: VirtualDuration

        public init(phase: Phase, length: VirtualDuration) {
            self.phase = phase
            self.length = length
        }
    }

    /// The phases' spans in a default class of 5.
    public static let nominalWindows = windows(for: Scenario(), studentCount: 5)

    /// The phases' expected spans for a scenario and class size: a sync round takes a few
    /// seconds; the exam its 10 questions' countdowns and the processing of the last
    /// submissions; the ISA phase the requests' spread and one typed mark per student; the
    /// replication a few seconds; the consistency demo about as long as the ISA phase.
    public static func windows(for scenario: Scenario, studentCount: Int) -> [Window] {
        let n = Int64(max(studentCount, 1))
        let typing = VirtualDuration(microseconds: Int64((scenario.isaTypeMin + scenario.isaTypeMax) / 2 * 1_000_000))
        let isa = VirtualDuration(microseconds: Int64(scenario.isaRequestSpread * 1_000_000)) + VirtualDuration(microseconds: typing.microseconds * n)
        let exam = VirtualDuration.seconds(Int64(ExamData.questionCount * scenario.secondsPerQuestion)) + scenario.processingMax + scenario.processingMax
        return [Window(phase: .sync, length: .seconds(3)),
                Window(phase: .exam, length: exam),
                Window(phase: .isa, length: max(isa, .seconds(5))),
                Window(phase: .replication, length: .seconds(3)),
                Window(phase: .consistency, length: max(isa, .seconds(5)))]
    }

    /// A random fault schedule of about `rate` faults per virtual minute, drawn from `seed`
    /// (the same seed, the same schedule). Each phase gets its share of its window's length
    /// (a fractional share by chance), each fault at a random time in the window, of a
    /// random kind, on a node or link at work in that phase:
    /// - crash: 5–40 s (`for`), then a restart;
    /// - drop and partition: 5–20 s;
    /// - delay: by 100 ms–2 s, for 10–30 s;
    /// - clockjump: by ±1–10 s.
    /// The list is in phase order, then by time. A rate of 0 (or below, or not a number)
    /// gives none.
    public static func chaos(rate: Double, seed: UInt64, studentCount: Int, windows: [Window] = nominalWindows) -> [FaultSpec] {
        guard rate > 0, rate.isFinite, studentCount >= 1 else { return [] }
        var rng = SeededRandom(seed: seed, stream: stream)
        var all: [FaultSpec] = []
        for window in windows where window.phase != .done && window.length > .zero {
            let expected = rate * window.length.seconds / 60
            let whole = min(expected.rounded(.down), Double(mostPerPhase))
            var count = Int(whole)
            if count < mostPerPhase, rng.unit() < expected - whole { count += 1 }
            var drawn: [FaultSpec] = []
            for _ in 0..<count {
                let offset = VirtualDuration.milliseconds(rng.int(in: 0...window.length.milliseconds))
                drawn.append(fault(in: window.phase, at: offset, studentCount: studentCount, rng: &rng))
            }
            // Stable: faults at the same moment keep the order they were drawn in.
            all += drawn.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
        }
        return all
    }

    /// One random fault in `phase`, `offset` after it starts.
    static func fault(in phase: Phase, at offset: VirtualDuration, studentCount: Int, rng: inout SeededRandom) -> FaultSpec {
        let kinds = FaultSpec.Kind.allCases
        let kind = kinds[Int(rng.int(in: 0...Int64(kinds.count - 1)))]
        func pick<T>(_ list: [T]) -> T { list[Int(rng.int(in: 0...Int64(list.count - 1)))] }
        func seconds(_ r: ClosedRange<Int64>) -> VirtualDuration { .seconds(rng.int(in: r)) }
        switch kind {
        case .crash:
            let node = pick(nodes(in: phase, studentCount: studentCount))
            return FaultSpec(kind: .crash, node: node, phase: phase, offset: offset, duration: seconds(5...40))
        case .partition:
            let node = pick(nodes(in: phase, studentCount: studentCount))
            return FaultSpec(kind: .partition, node: node, phase: phase, offset: offset, duration: seconds(5...20))
        case .clockjump:
            let node = pick(nodes(in: phase, studentCount: studentCount))
            let jump = VirtualDuration.milliseconds(rng.int(in: 1_000...10_000))
            return FaultSpec(kind: .clockjump, node: node, phase: phase, offset: offset, amount: rng.int(in: 0...1) == 0 ? jump : -jump)
        case .drop:
            let (a, b) = pick(links(in: phase, studentCount: studentCount))
            return FaultSpec(kind: .drop, from: a, to: b, phase: phase, offset: offset, duration: seconds(5...20))
        case .delay:
            let (a, b) = pick(links(in: phase, studentCount: studentCount))
            let by = VirtualDuration.milliseconds(rng.int(in: 100...2_000))
            return FaultSpec(kind: .delay, from: a, to: b, phase: phase, offset: offset, duration: seconds(10...30), amount: by)
        }
    }

    /// The nodes at work in a phase.
    static func nodes(in phase: Phase, studentCount: Int) -> [NodeID] {
        let students = (1...studentCount).map(NodeID.student)
        let replicas = (1...3).map(NodeID.replica)
        switch phase {
        case .sync: return [.main, .teacher] + students
        case .exam: return [.main, .backup] + students
        case .isa: return [.main] + students
        case .replication: return [.main] + replicas
        case .consistency, .done: return [.main] + students + replicas
        }
    }

    /// The links that carry a phase's messages, each way.
    static func links(in phase: Phase, studentCount: Int) -> [(NodeID, NodeID)] {
        let students = (1...studentCount).map(NodeID.student)
        let replicas = (1...3).map(NodeID.replica)
        var pairs: [(NodeID, NodeID)]
        switch phase {
        case .sync: pairs = ([.teacher] + students).map { (.main, $0) }
        case .exam: pairs = students.map { (.main, $0) } + students.map { (.backup, $0) } + [(.main, .backup)]
        case .isa:
            pairs = students.map { (.main, $0) }
            for a in students { for b in students where a < b { pairs.append((a, b)) } }
        case .replication: pairs = replicas.map { (.main, $0) }
        case .consistency, .done: pairs = students.map { (.main, $0) } + students.flatMap { s in replicas.map { (s, $0) } }
        }
        return pairs.flatMap { [($0.0, $0.1), ($0.1, $0.0)] }
    }
}

/// A fault a fresh run cannot start with: where it came from and what is wrong.
public enum FaultSetupError: Error, Equatable, CustomStringConvertible {
    /// `scenario.json`'s `faults[index]`.
    case scenario(index: Int, FaultSpecError)
    /// A `--fault` spec.
    case commandLine(FaultSpecError)

    public var description: String {
        switch self {
        case .scenario(let i, let e): "scenario.json: field 'faults[\(i)]' \"\(e.spec)\": \(e.problem)"
        case .commandLine(let e): e.description
        }
    }
}

extension Simulation.Config {
    /// A fresh run's configuration with its faults, in this order: the scenario's
    /// (`data.scenario.faults`), then `commandLineFaults` (`--fault`), then a chaos schedule
    /// of `chaosRate` faults per virtual minute drawn from the seed over the phases' expected
    /// spans (`FaultSchedule.chaos`). Each given fault is checked against the class size.
    public init(data: ExamData, studentCount: Int, seed: UInt64, encodesLog: Bool,
                commandLineFaults: [FaultSpec], chaosRate: Double) throws(FaultSetupError) {
        for (i, f) in data.scenario.faults.enumerated() {
            do { try f.validate(studentCount: studentCount) } catch { throw .scenario(index: i, error) }
        }
        for f in commandLineFaults {
            do { try f.validate(studentCount: studentCount) } catch { throw .commandLine(error) }
        }
        let chaos = FaultSchedule.chaos(rate: chaosRate, seed: seed, studentCount: studentCount,
                                        windows: FaultSchedule.windows(for: data.scenario, studentCount: studentCount))
        self.init(data: data, studentCount: studentCount, seed: seed, encodesLog: encodesLog,
                  faults: data.scenario.faults + commandLineFaults + chaos)
    }
}
