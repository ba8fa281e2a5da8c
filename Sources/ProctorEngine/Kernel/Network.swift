/// The simulated network: every link (from → to) has a latency of `base ± jitter`, and
/// delivers in FIFO order — a message never overtakes an earlier one on the same link.
public struct Network: Sendable {
    public struct Config: Sendable, Equatable {
        public var latency: Duration
        public var jitter: Duration
        public init(latency: Duration, jitter: Duration) {
            self.latency = latency
            self.jitter = jitter
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

    /// Assigns a message id and an arrival time for a message sent now.
    public mutating func transmit(from: NodeID, to: NodeID, at now: VirtualTime) -> (id: Int, arrival: VirtualTime) {
        let j = config.jitter.microseconds
        let latency = max(1, config.latency.microseconds + (j > 0 ? random.int(in: -j...j) : 0))
        let link = Link(from: from, to: to)
        var arrival = now + Duration(microseconds: latency)
        if let last = lastArrival[link], arrival < last { arrival = last }
        lastArrival[link] = arrival
        defer { nextID += 1 }
        return (nextID, arrival)
    }
}
