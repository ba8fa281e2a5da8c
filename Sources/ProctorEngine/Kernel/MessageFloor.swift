/// The fewest messages each mechanism needs for what the run did, beside what it sent.
/// Anything above the floor is a resend, a duplicate answered again, or a message no
/// protocol step required.
public struct MessageFloor: Sendable, Equatable {
    public var mechanism: Mechanism
    public var sent: Int
    public var floor: Int
    /// How the floor is made up, in words: `3 × 6 polled × 1 round`.
    public var formula: String

    public var isAtFloor: Bool { sent == floor }
}

extension Simulation {
    /// Per mechanism, the messages sent and the floor for what happened.
    public var messageFloors: [MessageFloor] {
        let n = students.count
        func floor(_ m: Mechanism, _ value: Int, _ formula: String) -> MessageFloor {
            MessageFloor(mechanism: m, sent: messageCounts[m, default: 0], floor: value, formula: formula)
        }
        let polled = clockNodes.count - 1
        let rounds = sync.roundsCompleted
        let shown = exam.sessions.reduce(0) { $0 + $1.shown }
        let replied = exam.sessions.reduce(0) { $0 + $1.replied }
        let recorded = exam.recordedCount
        let flags = detector.flagsSent.values.reduce(0, +)
        let stored = replication.storedCount
        let holds = demo.reads + demo.writes
        return [
            floor(.sync, 3 * polled * rounds, "3 × \(polled) polled × \(rounds) round\(rounds == 1 ? "" : "s")"),
            floor(.exam, shown + replied + 2 * recorded + router.redirects + flags,
                  "\(shown) questions + \(replied) answers + 2 × \(recorded) submissions + \(router.redirects) forwards + \(flags) flags"),
            floor(.ra, 2 * (n - 1) * isa.entries, "2(N−1) × \(isa.entries) entries"),
            floor(.replica, 2 * stored + 2 * demo.reads + 2 * Self.replicaCount * demo.writes,
                  "2 × \(stored) copies + 2 × \(demo.reads) reads + 6 × \(demo.writes) writes"),
            floor(.lock, 3 * holds, "3 × \(holds) lock holds"),
        ]
    }
}
