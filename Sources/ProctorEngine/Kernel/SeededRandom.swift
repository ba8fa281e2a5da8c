/// The simulation's only source of randomness: xoshiro256** seeded through SplitMix64.
///
/// Same seed, same sequence, on every machine: a run is reproducible from its seed and its
/// command log.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(&sm), splitMix(&sm), splitMix(&sm), splitMix(&sm))
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniformly distributed integer in `range`, without modulo bias.
    public mutating func int(in range: ClosedRange<Int64>) -> Int64 {
        Int64.random(in: range, using: &self)
    }

    /// A fresh generator for a sub-system, so adding draws in one place does not shift another.
    public mutating func fork() -> SeededRandom { SeededRandom(seed: next()) }

    /// The stream of one node: the seed mixed with the node's number, so each node draws
    /// from its own sequence whatever the others do.
    public init(seed: UInt64, stream: Int) {
        self.init(seed: seed ^ (UInt64(truncatingIfNeeded: stream + 1) &* 0xD1B5_4A32_D192_ED03))
    }

    /// A draw in [0, 1) from 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A span drawn uniformly from `range`.
    public mutating func duration(in range: ClosedRange<VirtualDuration>) -> VirtualDuration {
        VirtualDuration(microseconds: int(in: range.lowerBound.microseconds...max(range.lowerBound.microseconds, range.upperBound.microseconds)))
    }
}
