/// A point on the simulation's true time line, in microseconds since the run began.
///
/// Virtual time only moves when the kernel delivers an event (headless) or when the runtime
/// paces it to the wall clock (live). The event log shows it as integer milliseconds.
public struct VirtualTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public static let zero = VirtualTime(microseconds: 0)

    public static func milliseconds(_ ms: Int64) -> VirtualTime { VirtualTime(microseconds: ms * 1_000) }
    public static func seconds(_ s: Int64) -> VirtualTime { VirtualTime(microseconds: s * 1_000_000) }

    /// Whole milliseconds, rounded down: the `t` of the event log.
    public var milliseconds: Int64 { microseconds.floorDivided(by: 1_000) }

    public var seconds: Double { Double(microseconds) / 1_000_000 }

    public static func < (a: VirtualTime, b: VirtualTime) -> Bool { a.microseconds < b.microseconds }
    public static func + (a: VirtualTime, d: VirtualDuration) -> VirtualTime { VirtualTime(microseconds: a.microseconds + d.microseconds) }
    public static func - (a: VirtualTime, b: VirtualTime) -> VirtualDuration { VirtualDuration(microseconds: a.microseconds - b.microseconds) }

    public var description: String { "\(milliseconds)ms" }
}

/// A signed span of virtual time in microseconds (latencies, offsets, adjustments).
public struct VirtualDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public static let zero = VirtualDuration(microseconds: 0)
    public static func milliseconds(_ ms: Int64) -> VirtualDuration { VirtualDuration(microseconds: ms * 1_000) }
    public static func seconds(_ s: Int64) -> VirtualDuration { VirtualDuration(microseconds: s * 1_000_000) }

    public var milliseconds: Int64 { microseconds.floorDivided(by: 1_000) }
    public var seconds: Double { Double(microseconds) / 1_000_000 }
    public var magnitude: VirtualDuration { VirtualDuration(microseconds: abs(microseconds)) }

    public static func < (a: VirtualDuration, b: VirtualDuration) -> Bool { a.microseconds < b.microseconds }
    public static func + (a: VirtualDuration, b: VirtualDuration) -> VirtualDuration { VirtualDuration(microseconds: a.microseconds + b.microseconds) }
    public static func - (a: VirtualDuration, b: VirtualDuration) -> VirtualDuration { VirtualDuration(microseconds: a.microseconds - b.microseconds) }
    public static prefix func - (a: VirtualDuration) -> VirtualDuration { VirtualDuration(microseconds: -a.microseconds) }
    public static func / (a: VirtualDuration, n: Int64) -> VirtualDuration { VirtualDuration(microseconds: a.microseconds / n) }

    public var description: String { "\(microseconds)µs" }
}

extension Int64 {
    /// Division rounding toward negative infinity, so negative offsets render consistently.
    public func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
