import DequeModule

/// A read/write lock on one chunk, as a sans-I/O state machine.
///
/// Readers share it; a writer holds it alone. Requests are granted strictly in arrival
/// order: a reader that arrives behind a waiting writer waits too, so neither readers nor
/// writers starve.
public struct ReadWriteLock: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable { case read, write }

    public struct Request: Sendable, Equatable {
        public var node: Int
        public var mode: Mode
    }

    public enum Action: Sendable, Equatable {
        case grant(node: Int, mode: Mode)
    }

    public private(set) var holders: [Request] = []
    public private(set) var waiting: Deque<Request> = []

    public init() {}

    /// `node` asks for the lock in `mode`. A node already holding or waiting is ignored.
    public mutating func request(node: Int, mode: Mode) -> [Action] {
        guard !holders.contains(where: { $0.node == node }), !waiting.contains(where: { $0.node == node }) else { return [] }
        waiting.append(Request(node: node, mode: mode))
        return grantFromHead()
    }

    /// `node` lets go of the lock; whoever is next in line gets it.
    public mutating func release(node: Int) -> [Action] {
        guard let i = holders.firstIndex(where: { $0.node == node }) else { return [] }
        holders.remove(at: i)
        return grantFromHead()
    }

    private mutating func grantFromHead() -> [Action] {
        var granted: [Action] = []
        while let head = waiting.first {
            let compatible = head.mode == .read ? holders.allSatisfy { $0.mode == .read } : holders.isEmpty
            guard compatible else { break }
            waiting.removeFirst()
            holders.append(head)
            granted.append(.grant(node: head.node, mode: head.mode))
            if head.mode == .write { break }
        }
        return granted
    }
}
