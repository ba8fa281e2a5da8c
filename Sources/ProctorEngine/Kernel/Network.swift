/// The simulated network: every link (from → to) has a latency of `base ± jitter`, and
/// delivers in FIFO order — a message never overtakes an earlier one on the same link. As a
/// fault, a message may be delivered a second time (`duplicateRate`), a little later.
public struct Network: Sendable {
    public struct Config: Sendable, Equatable {
        public var latency: VirtualDuration
        public var jitter: VirtualDuration
        /// The probability that a message is delivered twice.
        public var duplicateRate: Double
        public init(latency: VirtualDuration, jitter: VirtualDuration, duplicateRate: Double = 0) {
            self.latency = latency
            self.jitter = jitter
            self.duplicateRate = duplicateRate
        }
    }

    public let config: Config
    private var random: SeededRandom
    /// The latest arrival on each link, `[from][to]` by dense node index: a table rather than
    /// a dictionary, because with a thousand students every student talks to every other. A
    /// row per sender, so a copy of the network (a checkpoint) shares the rows nobody wrote.
    private var lastArrival: [[VirtualTime]] = []
    private var nextID = 1

    public init(config: Config, random: SeededRandom) {
        self.config = config
        self.random = random
    }

    /// Forgets the links whose last arrival is not after `now`: a message sent from now on
    /// arrives after `now` anyway, so they constrain nothing (a checkpoint need not keep them).
    mutating func forgetArrivals(notAfter now: VirtualTime) {
        for f in lastArrival.indices where !lastArrival[f].isEmpty && !lastArrival[f].contains(where: { $0 > now }) {
            lastArrival[f] = []
        }
    }

    /// Assigns a message id and an arrival time for a message sent now, and the arrival of a
    /// duplicate copy when the network makes one.
    public mutating func transmit(from: NodeID, to: NodeID, at now: VirtualTime) -> (id: Int, arrival: VirtualTime, duplicate: VirtualTime?) {
        let j = config.jitter.microseconds
        let latency = max(1, config.latency.microseconds + (j > 0 ? random.int(in: -j...j) : 0))
        let f = from.denseIndex, t = to.denseIndex
        if f >= lastArrival.count { lastArrival += Array(repeating: [], count: f + 1 - lastArrival.count) }
        if t >= lastArrival[f].count { lastArrival[f] += Array(repeating: .zero, count: t + 1 - lastArrival[f].count) }
        let arrival = max(now + VirtualDuration(microseconds: latency), lastArrival[f][t])
        lastArrival[f][t] = arrival
        var duplicate: VirtualTime?
        if config.duplicateRate > 0, random.unit() < config.duplicateRate {
            duplicate = arrival + VirtualDuration(microseconds: max(1, config.latency.microseconds / 2))
        }
        defer { nextID += 1 }
        return (nextID, arrival, duplicate)
    }

}
