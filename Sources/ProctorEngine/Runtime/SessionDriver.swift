/// Drives a simulation for a lesson and keeps its session record.
///
/// Live (`recording`), every operator command goes through `apply`, which notes its exact
/// virtual time and how many events had been delivered before it. Replaying, the record's
/// commands are fed back at exactly those points: before command *i* the driver delivers
/// events until `eventCount` equals its `after`, moves the clock to its `at` (never past an
/// event: every event still pending is at or after it) and applies it. A pause, a single step
/// or a command landing between two events that share a virtual time is therefore reproduced
/// exactly, and the replay's event log equals the live one byte for byte.
///
/// The runtime (live and on-screen replay) and headless replay use it the same way; it reads
/// no clock, so tests drive it by hand.
public final class SessionDriver {
    public enum Mode: Sendable, Equatable {
        /// Live: the operator's commands are applied and recorded.
        case recording
        /// The record's commands are applied at their places; the operator's are refused.
        case replaying
    }

    /// A replay that cannot go on as recorded.
    public struct Divergence: Error, Sendable, Equatable, CustomStringConvertible {
        /// The index of the command that could not be placed.
        public var command: Int
        public var detail: String
        public var description: String { "the replay left the record at command \(command + 1): \(detail)" }
    }

    public let simulation: Simulation
    public let mode: Mode
    /// Live: the commands so far. Replaying: the record being fed back.
    public private(set) var record: SessionRecord
    /// Replaying: the index of the next command to apply.
    public private(set) var nextCommand = 0
    /// Replaying: set when the simulation can no longer follow the record; nothing more is
    /// delivered after it.
    public private(set) var divergence: Divergence?

    /// Live: records the commands of a lesson; `header` gives the seed, class size, speed and
    /// data checksums (its commands are dropped).
    public init(recording simulation: Simulation, header: SessionRecord) {
        self.simulation = simulation
        mode = .recording
        record = header
        record.commands = []
    }

    /// Replays `record` into a fresh simulation made with its seed and class size.
    public init(replaying record: SessionRecord, into simulation: Simulation) {
        self.simulation = simulation
        mode = .replaying
        self.record = record
    }

    /// Replaying: the record's `quit` has been reached, or the record can no longer be followed.
    public var isAtEnd: Bool {
        guard mode == .replaying else { return false }
        if divergence != nil { return true }
        guard let c = pending else { return false }
        return c.action == .quit && simulation.eventCount >= c.after
    }

    // MARK: Commands

    /// Live: applies `command` now and records it. Replaying (or after `quit`): refuses it and
    /// returns false — the commands come from the record.
    @discardableResult
    public func apply(_ command: OperatorCommand) -> Bool {
        guard mode == .recording, !record.isFinished else { return false }
        let entry = SessionRecord.Entry(at: simulation.now, after: simulation.eventCount, action: .command(command))
        simulation.apply(command)
        // As the lesson took it: a fault from the menu is recorded anchored to its moment.
        var taken = entry
        if let c = simulation.commandLog.last?.command { taken.action = .command(c) }
        record.commands.append(taken)
        return true
    }

    /// Live, after a step back that branched at `position`: the commands given after it
    /// belong to the discarded future, so the record keeps the branch actually taken.
    public func rewind(to position: Int) {
        guard mode == .recording else { return }
        record.commands.removeAll { $0.after > position }
    }

    /// Live: records that the operator left the lesson, now (once).
    public func quit() {
        guard mode == .recording, !record.isFinished else { return }
        record.commands.append(.init(at: simulation.now, after: simulation.eventCount, action: .quit))
    }

    // MARK: Time

    /// Delivers every event due at or before `limit` (replaying, with the recorded commands
    /// due by then in their places), then sets the time to `limit`. A replay stops at its end.
    public func run(until limit: VirtualTime) {
        guard mode == .replaying else { return simulation.run(until: limit) }
        while replayMove(notAfter: limit) != .none {}
        if !isAtEnd, simulation.nextEventTime.map({ $0 > limit }) ?? true {
            simulation.run(until: limit)
        }
    }

    /// Delivers exactly the next event (replaying, after any recorded command whose turn has
    /// come). Returns false when nothing is pending or the replay is at its end.
    @discardableResult
    public func step() -> Bool {
        guard mode == .replaying else { return simulation.step() }
        while true {
            switch replayMove(notAfter: nil) {
            case .command: continue
            case .event: return true
            case .none: return false
            }
        }
    }

    /// Delivers events up to and including the next message delivery, as
    /// `Simulation.stepMessage` does (replaying, with the recorded commands in their places).
    @discardableResult
    public func stepMessage() -> Bool {
        guard mode == .replaying else { return simulation.stepMessage() }
        while true {
            switch replayMove(notAfter: nil) {
            case .command, .event(message: false): continue
            case .event(message: true): return true
            case .none: return false
            }
        }
    }

    /// Headless: runs to the end. Replaying, that is the recorded `quit`, or, for a record
    /// without one, every command applied and then no event pending. `afterEvent` runs after
    /// each delivered event and applied command.
    public func runToEnd(afterEvent: () -> Void = {}) throws(Divergence) {
        guard mode == .replaying else {
            while simulation.step() { afterEvent() }
            return
        }
        while replayMove(notAfter: nil) != .none { afterEvent() }
        if let divergence { throw divergence }
        // The clock stops where the operator quit (nothing is due before then).
        if let c = pending, isAtEnd, c.at > simulation.now, simulation.nextEventTime.map({ $0 > c.at }) ?? true {
            simulation.run(until: c.at)
        }
        if let c = pending, !isAtEnd {
            throw Divergence(command: nextCommand,
                             detail: "the record has it after \(c.after) events, but the run fell quiet after \(simulation.eventCount)")
        }
    }

    /// The next moment anything happens: the next event, or the next recorded command; nil
    /// when nothing will (or the replay is at its end).
    public var nextEventTime: VirtualTime? {
        if isAtEnd { return nil }
        if let c = due { return max(c.at, simulation.now) }
        return simulation.nextEventTime
    }

    // MARK: Replay

    private enum Move: Equatable { case none, command, event(message: Bool) }

    /// The record's next entry, not yet applied.
    private var pending: SessionRecord.Entry? {
        record.commands.indices.contains(nextCommand) ? record.commands[nextCommand] : nil
    }

    /// The next recorded command, when its turn has come (exactly `after` events delivered).
    private var due: SessionRecord.Entry? {
        guard mode == .replaying, divergence == nil, let c = pending, c.action != .quit, simulation.eventCount == c.after else { return nil }
        return c
    }

    /// One move of the replay: the recorded command whose turn has come, or else the next
    /// event — neither past `limit`.
    private func replayMove(notAfter limit: VirtualTime?) -> Move {
        guard !isAtEnd else { return .none }
        if let c = pending, simulation.eventCount >= c.after {
            guard simulation.eventCount == c.after, case .command(let command) = c.action else { return .none }
            if let limit, c.at > limit { return .none }
            // Every event delivered before the command was due no later than it, and the
            // clock never runs back.
            if c.at < simulation.now {
                return diverge("it is at \(c.at.microseconds) µs, but the run is already at \(simulation.now.microseconds) µs")
            }
            if c.at > simulation.now, let t = simulation.nextEventTime, t <= c.at {
                return diverge("an event due at \(t.microseconds) µs comes first, beyond the \(c.after) the record allows")
            }
            // Moves the clock only: nothing is due by then. (At the same time, events may be
            // pending that the live run delivered after the command: they stay.)
            if c.at > simulation.now { simulation.run(until: c.at) }
            simulation.apply(command)
            nextCommand += 1
            return .command
        }
        guard let t = simulation.nextEventTime, limit.map({ t <= $0 }) ?? true else { return .none }
        let message = simulation.nextEventIsDelivery
        simulation.step()
        return .event(message: message)
    }

    private func diverge(_ detail: String) -> Move {
        divergence = Divergence(command: nextCommand, detail: detail)
        return .none
    }
}
