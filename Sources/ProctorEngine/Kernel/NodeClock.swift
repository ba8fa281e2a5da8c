/// A participant's local clock: true time + skew + drift × true time + the adjustments that
/// clock synchronization has applied. Drift is in parts per billion, so all arithmetic is
/// exact integer math and a run is identical on every machine.
public struct NodeClock: Sendable, Equatable {
    public var skew: VirtualDuration
    public var driftPPB: Int64
    public private(set) var adjustment: VirtualDuration = .zero

    public init(skew: VirtualDuration, driftPPB: Int64) {
        self.skew = skew
        self.driftPPB = driftPPB
    }

    /// The clock's reading at true time `t`, as microseconds on the same scale as `t`.
    public func reading(at t: VirtualTime) -> VirtualTime {
        let drift = (t.microseconds * driftPPB) / 1_000_000_000
        return VirtualTime(microseconds: t.microseconds + skew.microseconds + drift + adjustment.microseconds)
    }

    /// How far the clock is from true time at `t`.
    public func offset(at t: VirtualTime) -> VirtualDuration { reading(at: t) - t }

    public mutating func adjust(by delta: VirtualDuration) { adjustment = adjustment + delta }

    /// The first true time at which this clock reads `local` or later: how a deadline
    /// measured on this clock becomes a timer in true time.
    public func trueTime(whenReading local: VirtualTime) -> VirtualTime {
        let base = local.microseconds - skew.microseconds - adjustment.microseconds
        var guess = VirtualTime(microseconds: Int64((Double(base) / (1 + Double(driftPPB) / 1e9)).rounded(.down)))
        while reading(at: guess) >= local { guess.microseconds -= 1 }
        while reading(at: guess) < local { guess.microseconds += 1 }
        return guess
    }
}

extension Kernel {
    /// The spread (max − min) of these nodes' clock readings now.
    public func spread(of nodes: [NodeID]) -> VirtualDuration {
        let readings = nodes.map { local($0).microseconds }
        return VirtualDuration(microseconds: (readings.max() ?? 0) - (readings.min() ?? 0))
    }
}
