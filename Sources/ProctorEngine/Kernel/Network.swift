/// The simulated network: every link (from → to) has a latency of `base ± jitter`, and
/// delivers in FIFO order — a message never overtakes an earlier one on the same link. As a
/// fault, a message may be delivered a second time (`duplicateRate`), a little later.
public struct Network: Sendable {
    public struct Config: Sendable, Equatable {
        public var latency: Duration
        public var jitter: Duration
        /// The probability that a message is delivered twice.
        public var duplicateRate: Double
        public init(latency: Duration, jitter: Duration, duplicateRate: Double = 0) {
            self.latency = latency
            self.jitter = jitter
            self.duplicateRate = duplicateRate
        }
    }

    struct Link: Hashable { let from: NodeID; let to: NodeID }

    public let config: Config
    private var random: SeededRandom
    private var lastArrival: [Link: VirtualTime] = [:]
    private var nextID = 1

    public init(config: Config, random: SeededRandom) {
        self.config = config
        self.random = random
    }

    /// Assigns a message id and an arrival time for a message sent now, and the arrival of a
    /// duplicate copy when the network makes one.
    public mutating func transmit(from: NodeID, to: NodeID, at now: VirtualTime) -> (id: Int, arrival: VirtualTime, duplicate: VirtualTime?) {
        let j = config.jitter.microseconds
        let latency = max(1, config.latency.microseconds + (j > 0 ? random.int(in: -j...j) : 0))
        let link = Link(from: from, to: to)
        var arrival = now + Duration(microseconds: latency)
        if let last = lastArrival[link], arrival < last { arrival = last }
        lastArrival[link] = arrival
        var duplicate: VirtualTime?
        if config.duplicateRate > 0, Double(random.next() >> 11) / Double(1 << 53) < config.duplicateRate {
            duplicate = arrival + Duration(microseconds: max(1, config.latency.microseconds / 2))
        }
        defer { nextID += 1 }
        return (nextID, arrival, duplicate)
    }
}
