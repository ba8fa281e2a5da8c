/// One fault to inject, as `--fault`, a scenario's `faults` list or the `f` menu give it:
/// `crash NODE at PHASE+DUR [for DUR]` · `drop A->B at PHASE+DUR for DUR` ·
/// `delay A->B by DUR at PHASE+DUR for DUR` · `partition NODE at PHASE+DUR for DUR` ·
/// `clockjump NODE by ±DUR at PHASE+DUR`.
public struct FaultSpec: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable { case crash, drop, delay, partition, clockjump }

    public var kind: Kind
    /// The node of a crash, a partition or a clock jump.
    public var node: NodeID?
    /// The link of a drop or a delay.
    public var from: NodeID?
    public var to: NodeID?
    /// When: this long after the phase starts.
    public var phase: Phase
    public var offset: VirtualDuration
    /// How long it lasts (a crash without one stays down).
    public var duration: VirtualDuration?
    /// A delay's extra latency, or a clock jump (signed).
    public var amount: VirtualDuration?

    public init(kind: Kind, node: NodeID? = nil, from: NodeID? = nil, to: NodeID? = nil, phase: Phase, offset: VirtualDuration,
                duration: VirtualDuration? = nil, amount: VirtualDuration? = nil) {
        self.kind = kind
        self.node = node
        self.from = from
        self.to = to
        self.phase = phase
        self.offset = offset
        self.duration = duration
        self.amount = amount
    }

    /// The spec in the grammar's words (what `parse` reads back).
    public var description: String {
        func d(_ x: VirtualDuration) -> String {
            let us = x.microseconds
            if us % 1_000_000 == 0 { return "\(us / 1_000_000)s" }
            if us % 1_000 == 0 { return "\(us / 1_000)ms" }
            return "\(us)us"
        }
        let at = "at \(phase.rawValue)+\(d(offset))"
        let lasting = duration.map { " for \(d($0))" } ?? ""
        switch kind {
        case .crash: return "crash \(node?.description ?? "?") \(at)\(lasting)"
        case .partition: return "partition \(node?.description ?? "?") \(at)\(lasting)"
        case .drop: return "drop \(from?.description ?? "?")->\(to?.description ?? "?") \(at)\(lasting)"
        case .delay: return "delay \(from?.description ?? "?")->\(to?.description ?? "?") by \(amount.map(d) ?? "?") \(at)\(lasting)"
        case .clockjump:
            let a = amount ?? .zero
            return "clockjump \(node?.description ?? "?") by \(a.microseconds < 0 ? "-" : "+")\(d(a.magnitude)) \(at)"
        }
    }
}
