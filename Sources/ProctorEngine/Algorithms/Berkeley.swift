/// Berkeley clock synchronization, as a sans-I/O state machine.
///
/// The time daemon (the main server) polls every participant with REQUEST, estimates each
/// one's offset from its REPLY as `reply − (receipt − rtt/2)`, averages the offsets that lie
/// within `tolerance` of their median (its own offset, 0, included), and sends each node
/// ADJUST with its own correction `average − offset`. An outlier is corrected like any other
/// node but does not pull the average. The daemon never reads a clock itself: the caller
/// passes the daemon's local time with every input, and carries out the returned actions.
public struct BerkeleyDaemon: Sendable {
    public struct Config: Sendable, Equatable {
        /// How far from the median an offset may lie and still be averaged.
        public var tolerance: VirtualDuration
        public init(tolerance: VirtualDuration) { self.tolerance = tolerance }
    }

    /// What the caller must do.
    public enum Action: Sendable, Equatable {
        case send(BerkeleyMessage, to: NodeID)
        /// Adjust the daemon's own clock (it is one of the clocks being synchronized).
        case adjustOwnClock(by: VirtualDuration)
        /// The round's arithmetic, once every reply is in.
        case roundComputed(BerkeleyRound)
    }

    private enum State: Sendable {
        case idle
        case polling(Poll)
    }

    private struct Poll: Sendable {
        var round: Int
        var participants: [NodeID]
        var index: [NodeID: Int]
        var sentAt: VirtualTime
        var replies: [Reply?]
        var outstanding: Int
    }

    private struct Reply: Sendable {
        var clientTime: VirtualTime
        var receivedAt: VirtualTime
    }

    public let config: Config
    private var state: State = .idle
    public private(set) var roundsStarted = 0

    /// `roundsStarted`: the rounds a daemon before a crash had started (round numbers go on
    /// from there, so a client never mistakes a new round's ADJUST for an old one's).
    public init(config: Config, roundsStarted: Int = 0) {
        self.config = config
        self.roundsStarted = roundsStarted
    }

    public var isPolling: Bool {
        if case .polling = state { return true }
        return false
    }

    /// Starts a round: one REQUEST to every participant, sent at the daemon's `localNow`.
    public mutating func startRound(participants: [NodeID], localNow: VirtualTime) -> [Action] {
        precondition(!isPolling, "a sync round is already in progress")
        roundsStarted += 1
        let round = roundsStarted
        var index: [NodeID: Int] = [:]
        for (i, p) in participants.enumerated() { index[p] = i }
        state = .polling(Poll(round: round, participants: participants, index: index, sentAt: localNow,
                              replies: Array(repeating: nil, count: participants.count),
                              outstanding: participants.count))
        if participants.isEmpty { return finish() }
        return participants.map { .send(.timeRequest(round: round), to: $0) }
    }

    /// A REPLY arrived, read by the daemon at `localNow`. Stale rounds, strangers and
    /// duplicates are ignored.
    public mutating func received(_ message: BerkeleyMessage, from node: NodeID, localNow: VirtualTime) -> [Action] {
        guard case .timeReply(let round, let clientTime) = message,
              case .polling(var poll) = state, poll.round == round,
              let i = poll.index[node], poll.replies[i] == nil
        else { return [] }
        poll.replies[i] = Reply(clientTime: clientTime, receivedAt: localNow)
        poll.outstanding -= 1
        state = .polling(poll)
        return poll.outstanding == 0 ? finish() : []
    }

    /// The round's time is up (`timeout` after it began) with replies missing: a participant
    /// that is down or cut off is left out — not averaged, not adjusted — and the round is
    /// computed from the replies in.
    public mutating func timedOut(round: Int) -> [Action] {
        guard case .polling(let poll) = state, poll.round == round else { return [] }
        return finish()
    }

    private mutating func finish() -> [Action] {
        guard case .polling(let poll) = state else { return [] }
        state = .idle
        var estimates: [BerkeleyRound.Estimate] = []
        var unanswered: [NodeID] = []
        for (i, node) in poll.participants.enumerated() {
            guard let r = poll.replies[i] else {
                unanswered.append(node)
                continue
            }
            let rtt = r.receivedAt - poll.sentAt
            let offset = (r.clientTime + rtt / 2) - r.receivedAt
            estimates.append(.init(node: node, roundTrip: rtt, offset: offset, averaged: false, adjustment: .zero))
        }
        var result = BerkeleyRound.compute(round: poll.round, estimates: estimates, tolerance: config.tolerance)
        result.unanswered = unanswered
        var actions: [Action] = [.roundComputed(result), .adjustOwnClock(by: result.daemonAdjustment)]
        for e in result.estimates { actions.append(.send(.adjust(round: poll.round, delta: e.adjustment), to: e.node)) }
        return actions
    }
}

/// The participant side: answer a REQUEST with the local clock's reading; apply an ADJUST.
public enum BerkeleyClient {
    public enum Action: Sendable, Equatable {
        case reply(BerkeleyMessage)
        case adjustClock(by: VirtualDuration)
    }

    public static func received(_ message: BerkeleyMessage, localNow: VirtualTime) -> Action? {
        switch message {
        case .timeRequest(let round): .reply(.timeReply(round: round, local: localNow))
        case .adjust(_, let delta): .adjustClock(by: delta)
        case .timeReply: nil
        }
    }
}

public enum BerkeleyMessage: Sendable, Equatable {
    case timeRequest(round: Int)
    /// The participant's clock reading when it answered.
    case timeReply(round: Int, local: VirtualTime)
    /// The correction the participant must add to its clock.
    case adjust(round: Int, delta: VirtualDuration)

    public var round: Int {
        switch self {
        case .timeRequest(let r), .timeReply(let r, _), .adjust(let r, _): r
        }
    }

    public var kind: String {
        switch self {
        case .timeRequest: "REQUEST"
        case .timeReply: "REPLY"
        case .adjust: "ADJUST"
        }
    }
}

/// One round's arithmetic, kept for screens and tests.
public struct BerkeleyRound: Sendable, Equatable {
    public struct Estimate: Sendable, Equatable {
        public var node: NodeID
        public var roundTrip: VirtualDuration
        /// The participant's clock minus the daemon's, as estimated.
        public var offset: VirtualDuration
        /// Whether the offset lay within the tolerance of the median and was averaged.
        public var averaged: Bool
        /// The correction sent to the participant.
        public var adjustment: VirtualDuration
    }

    public var round: Int
    public var estimates: [Estimate]
    public var median: VirtualDuration
    public var average: VirtualDuration
    public var daemonAdjustment: VirtualDuration
    public var daemonAveraged: Bool
    public var maxRoundTrip: VirtualDuration
    /// Participants that did not answer before the round's time was up: left out of it.
    public var unanswered: [NodeID] = []

    static func compute(round: Int, estimates input: [Estimate], tolerance: VirtualDuration) -> BerkeleyRound {
        // The daemon's own offset is 0 and is a candidate like any other.
        let all = [VirtualDuration.zero] + input.map(\.offset)
        let sorted = all.sorted()
        let median = sorted.count % 2 == 1
            ? sorted[sorted.count / 2]
            : VirtualDuration(microseconds: (sorted[sorted.count / 2 - 1].microseconds + sorted[sorted.count / 2].microseconds) / 2)
        let within = { (o: VirtualDuration) in (o - median).magnitude <= tolerance }
        let averaged = all.filter(within)
        // The median itself always lies within the tolerance, so `averaged` is never empty
        // when there is an odd count; with an even count it holds the two middle values.
        let sum = averaged.reduce(Int64(0)) { $0 + $1.microseconds }
        let average = averaged.isEmpty ? .zero : VirtualDuration(microseconds: sum / Int64(averaged.count))
        var estimates = input
        for i in estimates.indices {
            estimates[i].averaged = within(estimates[i].offset)
            estimates[i].adjustment = average - estimates[i].offset
        }
        return BerkeleyRound(round: round, estimates: estimates, median: median, average: average,
                             daemonAdjustment: average, daemonAveraged: within(.zero),
                             maxRoundTrip: estimates.map(\.roundTrip).max() ?? .zero)
    }
}
