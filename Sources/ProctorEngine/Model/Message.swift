/// A message in flight on the simulated network.
///
/// The message itself is kept once, by reference: an envelope is queued, logged when sent
/// and when received, and handed to its receiver, and each of those moves a word, not the
/// whole message.
public struct Envelope: Sendable, Equatable {
    private final class Message: Sendable {
        let id: Int
        let from: NodeID
        let to: NodeID
        let sentAt: VirtualTime
        let payload: Payload

        init(id: Int, from: NodeID, to: NodeID, sentAt: VirtualTime, payload: Payload) {
            self.id = id
            self.from = from
            self.to = to
            self.sentAt = sentAt
            self.payload = payload
        }
    }

    private let message: Message
    /// A second delivery of the same message (a network fault). Only the log reads this:
    /// receivers must cope without it.
    public var isDuplicate = false

    public init(id: Int, from: NodeID, to: NodeID, sentAt: VirtualTime, payload: Payload, isDuplicate: Bool = false) {
        message = Message(id: id, from: from, to: to, sentAt: sentAt, payload: payload)
        self.isDuplicate = isDuplicate
    }

    public var id: Int { message.id }
    public var from: NodeID { message.from }
    public var to: NodeID { message.to }
    public var sentAt: VirtualTime { message.sentAt }
    public var payload: Payload { message.payload }

    public static func == (a: Envelope, b: Envelope) -> Bool {
        a.isDuplicate == b.isDuplicate && (a.message === b.message
            || (a.id == b.id && a.from == b.from && a.to == b.to && a.sentAt == b.sentAt && a.payload == b.payload))
    }
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

public enum ReplicaMessage: Sendable, Equatable {
    /// main → replica: store this copy.
    case store(ChunkCopy)
    /// replica → main: stored, with the checksum of the file written.
    case stored(chunk: Int, version: Int, sha256: String)
    /// student → replica: read my row of the chunk.
    case read(chunk: Int, roll: Int)
    /// replica → student: the row's ISA mark and the copy's version.
    case value(chunk: Int, version: Int, isa: Int?)
    /// student (holding the write lock) → every replica: set my ISA mark, at this version.
    case write(chunk: Int, version: Int, roll: Int, isa: Int)
    /// replica → student: written, with the checksum of the file written.
    case written(chunk: Int, version: Int, sha256: String)

    public var kind: String {
        switch self {
        case .store: "STORE"
        case .stored: "STORED"
        case .read: "READ"
        case .value: "VALUE"
        case .write: "WRITE"
        case .written: "WRITTEN"
        }
    }
}

/// Lock manager traffic (mech `lock`).
public enum LockMessage: Sendable, Equatable {
    /// What a writer wrote, told to main as it releases the lock: main's results store and
    /// the replication metadata follow it.
    public struct WriteNote: Sendable, Equatable {
        public var roll: Int
        public var isa: Int
        public var version: Int
        public var sha256: String
    }

    /// `req` numbers the student's requests: a resent or late copy names the one it is for.
    case lock(chunk: Int, mode: ReadWriteLock.Mode, req: Int)
    /// The lock is granted for request `req`; `version` is the chunk's committed version.
    case grant(chunk: Int, mode: ReadWriteLock.Mode, version: Int, req: Int)
    /// The hold granted for request `req` ends.
    indirect case unlock(chunk: Int, wrote: WriteNote?, req: Int)

    public var kind: String {
        switch self {
        case .lock: "LOCK"
        case .grant: "GRANT"
        case .unlock: "UNLOCK"
        }
    }
}
