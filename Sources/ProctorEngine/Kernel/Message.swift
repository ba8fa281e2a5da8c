/// A message in flight on the simulated network.
public struct Envelope: Sendable, Equatable {
    public let id: Int
    public let from: NodeID
    public let to: NodeID
    public let sentAt: VirtualTime
    public let payload: Payload
    /// A second delivery of the same message (a network fault). Only the log reads this:
    /// receivers must cope without it.
    public var isDuplicate = false
}

/// What a message carries, by mechanism. Each mechanism's algorithm defines its own
/// message type; the kernel only routes them.
public enum Payload: Sendable, Equatable {
    case sync(BerkeleyMessage)
    case exam(ExamMessage)
    case ra(RAMessage)
    case replica(ReplicaMessage)
    case lock(LockMessage)

    public var mechanism: Mechanism {
        switch self {
        case .sync: .sync
        case .exam: .exam
        case .ra: .ra
        case .replica: .replica
        case .lock: .lock
        }
    }

    /// The message kind: the event log's `msg` field.
    public var kind: String {
        switch self {
        case .sync(let m): m.kind
        case .exam(let m): m.kind
        case .ra(let m): m.kind
        case .replica(let m): m.kind
        case .lock(let m): m.kind
        }
    }
}
