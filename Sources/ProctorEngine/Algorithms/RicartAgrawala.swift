/// Ricart–Agrawala mutual exclusion for one participant, as a sans-I/O state machine with a
/// Lamport clock.
///
/// To enter, a participant multicasts REQUEST(ts, id) to its N−1 peers and enters after N−1
/// REPLYs. It defers its reply to a request while it holds the section, or while its own
/// request (ts, id) is earlier; it sends the deferred replies when it leaves. Exactly
/// 2(N−1) messages per entry. Each REPLY names the request it answers, so a late or
/// duplicated message can never count towards a newer request.
public struct RicartAgrawala: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case idle
        /// Waiting for replies to the request stamped `ts`.
        case wanting(ts: Int)
        /// In the critical section, entered with the request stamped `ts`.
        case held(ts: Int)
    }

    public enum Action: Sendable, Equatable {
        case send(RAMessage, to: Int)
        /// Enter the critical section now.
        case enter
    }

    /// A request this participant is holding back, in arrival order.
    public struct Deferred: Sendable, Hashable {
        public var from: Int
        public var ts: Int
    }

    public let id: Int
    public let peers: [Int]
    private let peerSet: Set<Int>
    public private(set) var clock = 0
    public private(set) var state: State = .idle
    public private(set) var replies: Set<Int> = []
    public private(set) var deferred: [Deferred] = []
    /// `deferred` as a set, for constant-time duplicate checks.
    private var deferredSet: Set<Deferred> = []

    public init(id: Int, peers: [Int]) {
        self.id = id
        self.peers = peers
        peerSet = Set(peers)
    }

    public static func == (a: RicartAgrawala, b: RicartAgrawala) -> Bool {
        a.id == b.id && a.peers == b.peers && a.clock == b.clock && a.state == b.state && a.replies == b.replies && a.deferred == b.deferred
    }

    /// The request stamp while wanting or holding.
    public var requestTimestamp: Int? {
        switch state {
        case .idle: nil
        case .wanting(let ts), .held(let ts): ts
        }
    }

    /// Asks to enter: REQUEST to every peer (or enter at once with no peers).
    public mutating func request() -> [Action] {
        guard state == .idle else { return [] }
        clock += 1
        let ts = clock
        replies = []
        if peers.isEmpty {
            state = .held(ts: ts)
            return [.enter]
        }
        state = .wanting(ts: ts)
        return peers.map { .send(.request(ts: ts), to: $0) }
    }

    /// `(ts, id)` order: the earlier timestamp wins, the lower id breaks a tie.
    public static func precedes(_ a: (ts: Int, id: Int), _ b: (ts: Int, id: Int)) -> Bool {
        a.ts < b.ts || (a.ts == b.ts && a.id < b.id)
    }

    public mutating func received(_ m: RAMessage, from: Int) -> [Action] {
        switch m {
        case .request(let ts):
            clock = max(clock, ts) + 1
            let holdBack: Bool
            switch state {
            case .idle: holdBack = false
            case .held: holdBack = true
            case .wanting(let mine): holdBack = Self.precedes((mine, id), (ts, from))
            }
            if holdBack {
                // A duplicated REQUEST is deferred once; a stale one beside a newer request from
                // the same peer is kept too (its reply is harmless: it names the old request).
                let d = Deferred(from: from, ts: ts)
                if deferredSet.insert(d).inserted { deferred.append(d) }
                return []
            }
            clock += 1
            return [.send(.reply(ts: clock, request: ts), to: from)]
        case .reply(let ts, let request):
            clock = max(clock, ts) + 1
            guard case .wanting(let mine) = state, request == mine, peerSet.contains(from), replies.insert(from).inserted else { return [] }
            if replies.count == peers.count {
                state = .held(ts: mine)
                return [.enter]
            }
            return []
        }
    }

    /// The request again, to every peer whose REPLY has not come (a message may have been
    /// lost: this participant was down, or a link was). A peer answers a copy of a request it
    /// already answered again, and defers one it is deferring once: safe to repeat.
    public func requestAgain() -> [Action] {
        guard case .wanting(let ts) = state else { return [] }
        return peers.filter { !replies.contains($0) }.map { .send(.request(ts: ts), to: $0) }
    }

    /// The request again to `peer` alone, when its REPLY has not come.
    public func requestAgain(to peer: Int) -> [Action] {
        guard case .wanting(let ts) = state, peerSet.contains(peer), !replies.contains(peer) else { return [] }
        return [.send(.request(ts: ts), to: peer)]
    }

    /// The peers whose REPLY the request still waits for.
    public var awaiting: [Int] {
        guard case .wanting = state else { return [] }
        return peers.filter { !replies.contains($0) }
    }

    /// Leaves the critical section: the deferred replies go out.
    public mutating func exit() -> [Action] {
        guard case .held = state else { return [] }
        state = .idle
        let out = deferred.map { d -> Action in
            clock += 1
            return .send(.reply(ts: clock, request: d.ts), to: d.from)
        }
        deferred = []
        deferredSet = []
        return out
    }
}

public enum RAMessage: Sendable, Equatable {
    case request(ts: Int)
    /// `request` is the timestamp of the request this reply answers.
    case reply(ts: Int, request: Int)

    public var kind: String {
        switch self {
        case .request: "REQUEST"
        case .reply: "REPLY"
        }
    }
}
