/// Live pacing as a value: how far virtual time may go at a given wall time, and when to
/// wake next. It reads no clock and sleeps never: the runtime hands it the wall time
/// (nanoseconds on any monotonic scale), the virtual time reached and the next event's time,
/// and carries out its decisions; tests hand it times of their own.
///
/// Virtual time runs at `speed` virtual seconds per wall second from an anchor (a wall time
/// and the virtual time it stands for). A paced stretch (a Berkeley round, the replication:
/// well under a second of virtual time) delivers its events at most one per `spacing` of wall
/// time, so a class can watch them; virtual time waits for the class meanwhile. Paced events
/// are due on a schedule, not one per wakeup: a wakeup delivers every event whose turn has
/// come, so a round of thousands of messages takes its few seconds whatever the wakeup rate.
public struct Pacer: Sendable, Equatable {
    /// The speeds `+` and `-` step through: virtual seconds per wall second.
    public static let speeds: [Double] = [0.25, 0.5, 1, 2, 4, 8, 16]
    /// The shortest wall time between two wakeups (about 30 a second at high speeds).
    public static let minimumWakeNanoseconds: UInt64 = 33_000_000
    /// A paced stretch catches up at most this much wall time after a stall (a busy machine,
    /// a slow wakeup): the events it missed do not all arrive at once.
    public static let catchUpNanoseconds: UInt64 = 1_000_000_000
    /// A sync round is paced to last about this long at 1×, whatever the class size.
    public static let syncRoundSeconds = 6.0
    /// The longest wall time between two paced events at 1×.
    public static let slowestSpacingSeconds = 0.3

    /// What is paced now.
    public enum Pacing: Sendable, Equatable {
        /// Time runs freely: events come when virtual time reaches them.
        case free
        /// A Berkeley round polling `nodes` clocks (three messages each).
        case syncRound(nodes: Int)
        /// The replicas being written.
        case replication
    }

    /// What virtual time may do now.
    public enum Decision: Sendable, Equatable {
        /// Deliver exactly the next event (a paced one whose turn has come), then ask again.
        case deliverNext
        /// Deliver every event due by this time and set the clock to it.
        case run(until: VirtualTime)
        /// Nothing yet: the next paced event waits for its turn, and virtual time with it.
        case hold
    }

    /// When to wake next.
    public struct Wake: Sendable, Equatable {
        /// Wall time, on the scale the pacer is given.
        public var deadline: UInt64
        /// How late the wakeup may come.
        public var leewayMilliseconds: Int
    }

    /// The index of the chosen speed in `speeds`.
    public private(set) var speedIndex: Int
    /// The speed time runs at now: the chosen one, or less under a cap.
    public private(set) var speed: Double
    public private(set) var isPaused = false
    /// The wall time `anchorVirtual` stands for.
    public private(set) var anchorWall: UInt64
    public private(set) var anchorVirtual: VirtualTime
    /// When the last paced event was due (nil: none yet).
    public private(set) var lastPaced: UInt64?

    /// Starts at the speed nearest `speed`, with `virtual` standing at `wall`.
    public init(speed: Double, wall: UInt64 = 0, at virtual: VirtualTime = .zero) {
        speedIndex = Pacer.speeds.indices.min { abs(Pacer.speeds[$0] - speed) < abs(Pacer.speeds[$1] - speed) }!
        self.speed = Pacer.speeds[speedIndex]
        anchorWall = wall
        anchorVirtual = virtual
    }

    /// The speed chosen with `+` and `-`.
    public var chosenSpeed: Double { Pacer.speeds[speedIndex] }

    // MARK: Inputs

    /// Virtual time `virtual` stands at wall time `wall` (time starts, resumes, jumps).
    public mutating func anchor(wall: UInt64, at virtual: VirtualTime) {
        anchorWall = wall
        anchorVirtual = virtual
    }

    public mutating func pause() { isPaused = true }

    /// Time runs again from `virtual`, at `wall`.
    public mutating func resume(wall: UInt64, at virtual: VirtualTime) {
        isPaused = false
        anchor(wall: wall, at: virtual)
    }

    /// One speed faster (`by: 1`) or slower (`by: -1`), within the list; time goes on from
    /// `virtual` at `wall`. `cap` is the cap in force (see `cap(_:wall:at:)`).
    public mutating func changeSpeed(by d: Int, cap: Double?, wall: UInt64, at virtual: VirtualTime) {
        speedIndex = min(max(speedIndex + d, 0), Pacer.speeds.count - 1)
        speed = capped(cap)
        anchor(wall: wall, at: virtual)
    }

    /// Holds the speed in use to at most `cap` (nil: the chosen speed). Returns whether it
    /// changed; then time goes on from `virtual` at `wall`.
    @discardableResult
    public mutating func cap(_ cap: Double?, wall: UInt64, at virtual: VirtualTime) -> Bool {
        let s = capped(cap)
        guard s != speed else { return false }
        speed = s
        anchor(wall: wall, at: virtual)
        return true
    }

    private func capped(_ cap: Double?) -> Double { cap.map { min(chosenSpeed, $0) } ?? chosenSpeed }

    // MARK: Decisions

    /// The wall nanoseconds between two paced events at the speed in use, or nil when time
    /// runs freely. A Berkeley round and the replication happen in well under a second of
    /// virtual time: paced, a class sees each message (a round lasts about `syncRoundSeconds`
    /// at 1×, the copies about 4 s).
    public func spacing(_ pacing: Pacing) -> UInt64? {
        let seconds: Double
        switch pacing {
        case .free: return nil
        case .replication: seconds = Pacer.slowestSpacingSeconds
        case .syncRound(let nodes): seconds = min(Pacer.slowestSpacingSeconds, Pacer.syncRoundSeconds / Double(3 * max(nodes, 1)))
        }
        return UInt64(seconds * 1e9 / speed)
    }

    /// The virtual time the wall clock says the run has reached at `wall`.
    public func clock(at wall: UInt64) -> VirtualTime {
        let elapsed = wall >= anchorWall ? Double(wall - anchorWall) : -Double(anchorWall - wall)
        return anchorVirtual + VirtualDuration(microseconds: Int64(elapsed / 1_000 * speed))
    }

    /// The wall time at which the clock reaches `virtual` (never before the anchor).
    private func wallTime(reaching virtual: VirtualTime) -> UInt64 {
        anchorWall + UInt64(max(0, (Double((virtual - anchorVirtual).microseconds) * 1_000 / speed).rounded(.up)))
    }

    /// What to do at wall time `wall`, the run standing at `now` with its next event at
    /// `next`. Ask again after each `deliverNext`; a `run` or `hold` ends the wakeup.
    public mutating func decide(wall: UInt64, now: VirtualTime, next: VirtualTime?, pacing: Pacing) -> Decision {
        let target = clock(at: wall)
        guard let spacing = spacing(pacing), let next else { return .run(until: max(target, now)) }
        // After a stall, the schedule catches up a bounded stretch.
        if let last = lastPaced, wall > last &+ Pacer.catchUpNanoseconds { lastPaced = wall - Pacer.catchUpNanoseconds }
        // Its turn: virtual time has reached it, and the class has had `spacing` since the last.
        let due = max(lastPaced.map { $0 &+ spacing } ?? 0, wallTime(reaching: next))
        if due <= wall {
            lastPaced = due
            // Virtual time waited for the class: it goes on from the event, from its turn.
            anchor(wall: due, at: next)
            return .deliverNext
        }
        return next <= target ? .hold : .run(until: max(target, now))
    }

    /// When to wake next, at wall time `wall`: the next event or the next virtual second,
    /// whichever is sooner (a paced event at its turn), never sooner than the minimum wake
    /// interval; nil while paused.
    public func wake(wall: UInt64, now: VirtualTime, next event: VirtualTime?, pacing: Pacing) -> Wake? {
        guard !isPaused else { return nil }
        let second: Int64 = 1_000_000
        var next = VirtualTime(microseconds: (now.microseconds.floorDivided(by: second) + 1) * second)
        var leeway = 50
        if let event, event < next {
            next = event
            leeway = 5
        }
        var due = wallTime(reaching: next)
        if let spacing = spacing(pacing), let last = lastPaced { due = max(due, last &+ spacing) }
        return Wake(deadline: max(due, wall + Pacer.minimumWakeNanoseconds), leewayMilliseconds: leeway)
    }
}

extension Pacer.Pacing {
    /// What a simulation has to pace now: a Berkeley round (main, the teacher and every
    /// student polled), the replication, or nothing.
    public init(_ simulation: Simulation) {
        // Read in place: a copy of the whole world on every wakeup is not needed.
        if simulation.world.admin.started(.replication), !simulation.world.admin.completed.contains(.replication) {
            self = .replication
        } else if simulation.world.admin.syncRound != nil {
            self = .syncRound(nodes: simulation.world.roster.count + 2)
        } else {
            self = .free
        }
    }
}
