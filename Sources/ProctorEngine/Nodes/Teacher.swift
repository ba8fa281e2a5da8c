/// The teacher: a Berkeley client (its clock is synchronized with the class's).
public struct Teacher: Sendable {
    public enum Timer: Hashable, Sendable {}
    public typealias Effects = [Effect<Timer>]

    public private(set) var clock = BerkeleyClientState()

    public init() {}

    /// What a screen may read of the teacher: the last correction Berkeley made to its clock.
    public struct View: Sendable {
        public var lastAdjust: ClockChange?
    }

    public var view: View { View(lastAdjust: clock.lastAdjust) }

    /// The last round applied is durable: a late copy of its ADJUST never moves the clock twice.
    public mutating func crash() {}
    public mutating func restart() {}

    public mutating func received(_ payload: Payload, from: NodeID, _ ctx: NodeContext) -> Effects {
        guard case .sync(let m) = payload else { return [] }
        return clock.received(m, from: from, ctx).map(\.asEffect)
    }

    public mutating func storageResult(_ r: StorageResult, _ ctx: NodeContext) -> Effects { [] }
}

/// A Berkeley client's memory: which round's ADJUST it applied (once per round), and what
/// the latest did, for the screen.
public struct BerkeleyClientState: Sendable, Equatable {
    public enum Output: Sendable, Equatable {
        case send(Payload, to: NodeID)
        case adjustClock(by: VirtualDuration)

        func effect<T>() -> Effect<T> {
            switch self {
            case .send(let p, let to): .send(p, to: to)
            case .adjustClock(let d): .adjustClock(by: d)
            }
        }

        var asEffect: Effect<Teacher.Timer> { effect() }
    }

    /// The last round whose ADJUST this node applied.
    public private(set) var adjustedRound = 0
    /// What the last ADJUST did: the clock before, the change.
    public private(set) var lastAdjust: ClockChange?

    public init() {}

    public mutating func received(_ m: BerkeleyMessage, from: NodeID, _ ctx: NodeContext) -> [Output] {
        switch BerkeleyClient.received(m, localNow: ctx.local) {
        case .reply(let r)?:
            return [.send(.sync(r), to: from)]
        case .adjustClock(let delta)?:
            // Once per round: a duplicated ADJUST must not move the clock twice.
            guard m.round > adjustedRound else { return [] }
            adjustedRound = m.round
            lastAdjust = ClockChange(round: m.round, localBefore: ctx.local, delta: delta)
            return [.adjustClock(by: delta)]
        case nil:
            return []
        }
    }
}

/// What one ADJUST did to a node's clock.
public struct ClockChange: Sendable, Equatable {
    public var round: Int
    public var localBefore: VirtualTime
    public var delta: VirtualDuration
}
