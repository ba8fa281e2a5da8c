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

extension World {
    /// Per mechanism, the messages sent and the floor for what happened.
    public var messageFloors: [MessageFloor] {
        let n = roster.count
        func floor(_ m: Mechanism, _ value: Int, _ formula: String) -> MessageFloor {
            MessageFloor(mechanism: m, sent: kernel.messageCounts[m, default: 0], floor: value, formula: formula)
        }
        let students = cluster.studentViews
        let main = cluster.main.view
        let polled = clockNodes.count - 1
        let sync = observers.sync
        let rounds = sync.roundsCompleted
        let shown = students.reduce(0) { $0 + $1.exam.shown }
        let replied = students.reduce(0) { $0 + $1.exam.replied }
        let recorded = main.records.lazy.filter { $0 != nil }.count
        let redirects = main.servers.redirects
        let flags = main.flagsSent
        let marks = students.lazy.filter { if case .done = $0.isa { true } else { false } }.count
        let entries = students.reduce(0) { $0 + $1.entries }
        let stored = main.coordinator.storedCount
        let reads = students.reduce(0) { $0 + $1.demo.reads }, writes = students.reduce(0) { $0 + $1.demo.writes }
        let holds = reads + writes
        return [
            sync.answered == sync.polled
                ? floor(.sync, 3 * polled * rounds, "3 × \(polled) polled × \(rounds) round\(rounds == 1 ? "" : "s")")
                : floor(.sync, sync.polled + 2 * sync.answered,
                        "\(sync.polled) polled + 2 × \(sync.answered) answered in \(rounds) round\(rounds == 1 ? "" : "s")"),
            floor(.exam, shown + replied + 2 * recorded + 2 * redirects + flags + marks,
                  "\(shown) questions + \(replied) answers + 2 × \(recorded) submissions + 2 × \(redirects) forwards + \(flags) flags + \(marks) marks"),
            floor(.ra, 2 * (n - 1) * entries, "2(N−1) × \(entries) entries"),
            floor(.replica, 2 * stored + 2 * reads + 2 * ReplicationCoordinator.replicaCount * writes,
                  "2 × \(stored) copies + 2 × \(reads) reads + 6 × \(writes) writes"),
            floor(.lock, 3 * holds, "3 × \(holds) lock holds"),
        ]
    }
}

extension Simulation {
    public var messageFloors: [MessageFloor] { world.messageFloors }
}
