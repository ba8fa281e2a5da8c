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
    private let peerSet: IDSet
    public private(set) var clock = 0
    public private(set) var state: State = .idle
    /// The peers whose REPLY to the current request has come.
    private var replied: IDSet
    public private(set) var deferred: [Deferred] = []
    /// The peers with a request in `deferred`: a duplicate is looked for only among theirs.
    private var deferring: IDSet

    public init(id: Int, peers: [Int]) {
        self.id = id
        self.peers = peers
        let largest = peers.max() ?? 0
        peerSet = IDSet(peers, upTo: largest)
        replied = IDSet(upTo: largest)
        deferring = IDSet(upTo: largest)
    }

    public static func == (a: RicartAgrawala, b: RicartAgrawala) -> Bool {
        a.id == b.id && a.peers == b.peers && a.clock == b.clock && a.state == b.state && a.replied == b.replied && a.deferred == b.deferred
    }

    /// The peers whose REPLY to the current request has come.
    public var replies: Set<Int> { Set(peers.filter { replied.contains($0) }) }

    /// How many peers have replied to the current request.
    public var replyCount: Int { replied.count }

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
        replied.removeAll()
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
                if deferring.insert(from) || !deferred.contains(d) { deferred.append(d) }
                return []
            }
            clock += 1
            return [.send(.reply(ts: clock, request: ts), to: from)]
        case .reply(let ts, let request):
            clock = max(clock, ts) + 1
            guard case .wanting(let mine) = state, request == mine, peerSet.contains(from), replied.insert(from) else { return [] }
            if replied.count == peers.count {
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
        return peers.filter { !replied.contains($0) }.map { .send(.request(ts: ts), to: $0) }
    }

    /// The request again to `peer` alone, when its REPLY has not come.
    public func requestAgain(to peer: Int) -> [Action] {
        guard case .wanting(let ts) = state, peerSet.contains(peer), !replied.contains(peer) else { return [] }
        return [.send(.request(ts: ts), to: peer)]
    }

    /// The peers whose REPLY the request still waits for.
    public var awaiting: [Int] {
        guard case .wanting = state else { return [] }
        return peers.filter { !replied.contains($0) }
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
        deferring.removeAll()
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

/// A set of small non-negative ids (student numbers) as bits: membership, insertion and
/// emptying without hashing.
struct IDSet: Sendable, Equatable {
    private var words: [UInt64]
    private(set) var count = 0

    init(upTo largest: Int) {
        words = Array(repeating: 0, count: largest / 64 + 1)
    }

    init(_ ids: [Int], upTo largest: Int) {
        self.init(upTo: largest)
        for i in ids { insert(i) }
    }

    func contains(_ i: Int) -> Bool {
        i >= 0 && i >> 6 < words.count && words[i >> 6] & (1 << UInt64(i & 63)) != 0
    }

    /// Adds `i`; true when it was not there (an id beyond the set's range is never added).
    @discardableResult
    mutating func insert(_ i: Int) -> Bool {
        guard i >= 0, i >> 6 < words.count else { return false }
        let bit: UInt64 = 1 << UInt64(i & 63)
        guard words[i >> 6] & bit == 0 else { return false }
        words[i >> 6] |= bit
        count += 1
        return true
    }

    mutating func removeAll() {
        guard count > 0 else { return }
        for w in words.indices { words[w] = 0 }
        count = 0
    }
}
