/// The main server's cheating detector, as a sans-I/O state machine.
///
/// While the exam runs it flags random students at a given average rate (exponential gaps),
/// choosing only among students main still believes to be answering, and never one it has
/// already flagged twice. Randomness comes from the caller's seeded source.
public struct CheatingDetector: Sendable {
    public enum Action: Sendable, Equatable {
        case flag(NodeID)
        /// Call `tick` again after this long.
        case next(after: VirtualDuration)
    }

    public let flagsPerMinute: Double
    public private(set) var flagsSent: [NodeID: Int] = [:]
    private var answering: [NodeID]

    public init(students: [NodeID], flagsPerMinute: Double) {
        answering = students
        self.flagsPerMinute = flagsPerMinute
    }

    public var isActive: Bool { flagsPerMinute > 0 && !answering.isEmpty }

    /// Starts the detector: when to look first.
    public mutating func start(random: inout SeededRandom) -> [Action] {
        isActive ? [.next(after: gap(&random))] : []
    }

    /// Time to (maybe) flag someone.
    public mutating func tick(random: inout SeededRandom) -> [Action] {
        let eligible = answering.filter { flagsSent[$0, default: 0] < 2 }
        guard isActive, !eligible.isEmpty else { return [] }
        let pick = eligible[Int(random.int(in: 0...Int64(eligible.count - 1)))]
        flagsSent[pick, default: 0] += 1
        return [.flag(pick), .next(after: gap(&random))]
    }

    /// Main learned that `student` submitted: it is no longer flagged.
    public mutating func submitted(_ student: NodeID) {
        answering.removeAll { $0 == student }
    }

    private func gap(_ random: inout SeededRandom) -> VirtualDuration {
        // Exponential with mean 60/rate seconds, drawn from 53 random bits.
        let u = random.unit()
        let seconds = -log(1 - u) * 60 / flagsPerMinute
        return VirtualDuration(microseconds: Int64(min(seconds, 3600) * 1_000_000))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
