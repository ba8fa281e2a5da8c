/// A student's number: its row of the roster in roll order, from 1 (`student-K`).
public typealias StudentID = Int
/// A chunk of the results, 1 or 2.
public typealias ChunkID = Int
/// A replica store, from 1 to 3 (`replica-K`).
public typealias ReplicaID = Int
/// The number a student gives each of its lock requests (later ones are larger).
public typealias LockRequestID = Int

/// Every participant of the simulated exam. The log names are part of the event-log contract.
public enum NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    case admin
    case teacher
    case main
    case backup
    /// The K-th student of the roster in roll order, from 1.
    case student(StudentID)
    /// Replica store K, from 1 to 3.
    case replica(ReplicaID)

    public var description: String {
        switch self {
        case .admin: "admin"
        case .teacher: "teacher"
        case .main: "main"
        case .backup: "backup"
        case .student(let k): "student-\(k)"
        case .replica(let k): "replica-\(k)"
        }
    }

    /// The short label screens use: `main`, `teacher`, `S3`, `R2`.
    public var shortName: String {
        switch self {
        case .student(let k): "S\(k)"
        case .replica(let k): "R\(k)"
        default: description
        }
    }

    /// A small index unique to each node (the fixed nodes first, then students), for tables.
    var denseIndex: Int {
        switch self {
        case .admin: 0
        case .teacher: 1
        case .main: 2
        case .backup: 3
        case .replica(let k): 3 + k
        case .student(let k): 6 + k
        }
    }

    private var rank: (Int, Int) {
        switch self {
        case .admin: (0, 0)
        case .teacher: (1, 0)
        case .main: (2, 0)
        case .backup: (3, 0)
        case .student(let k): (4, k)
        case .replica(let k): (5, k)
        }
    }

    public static func < (a: NodeID, b: NodeID) -> Bool { a.rank < b.rank }
}

/// The walkthrough's phases, in order. Raw values are the event log's `phase` names.
public enum Phase: String, CaseIterable, Sendable, Comparable {
    case sync, exam, isa, replication, consistency, done

    /// The admin key that starts the phase (`done` has none).
    public var key: Character? {
        switch self {
        case .sync: "1"
        case .exam: "2"
        case .isa: "3"
        case .replication: "4"
        case .consistency: "5"
        case .done: nil
        }
    }

    public var number: Int { Phase.allCases.firstIndex(of: self)! + 1 }

    /// The phases an operator starts, in order (`done` follows the last).
    public static let walkthrough: [Phase] = [.sync, .exam, .isa, .replication, .consistency]

    public var title: String {
        switch self {
        case .sync: "Sync clocks"
        case .exam: "Start exam"
        case .isa: "ISA marks"
        case .replication: "Replicas"
        case .consistency: "Consistency"
        case .done: "Done"
        }
    }

    public static func < (a: Phase, b: Phase) -> Bool { a.number < b.number }
}

/// The mechanism a message belongs to: the `mech` field of `send`/`recv`.
public enum Mechanism: String, CaseIterable, Sendable {
    case sync, exam, ra, lock, replica

    /// Its place in `allCases`: a counter table's index.
    var index: Int {
        switch self {
        case .sync: 0
        case .exam: 1
        case .ra: 2
        case .lock: 3
        case .replica: 4
        }
    }
}

extension Array {
    /// The element of student `k`, numbered from 1 as in `student-K` (the K-th roster row):
    /// the one place a student's number becomes an array position.
    public subscript(student k: Int) -> Element {
        get { self[k - 1] }
        // In place: a mutating call through it must not copy the element (a node's state).
        _modify { yield &self[k - 1] }
    }

    /// Whether there is an element for student `k` (numbered from 1).
    public func hasStudent(_ k: Int) -> Bool { k >= 1 && k <= count }
}
