import Testing
@testable import ProctorEngine

/// Live pacing, without a wall clock: the pacer is given times and its decisions are read.
/// A Berkeley round and the replication happen in well under a second of virtual time; live,
/// they are paced so that a class at 1× sees the messages go by.
@Suite struct RuntimePacingTests {
    static let ms: UInt64 = 1_000_000
    static let second: UInt64 = 1_000_000_000

    /// A simulation driven as the runtime drives it: woken when the pacer says, each wakeup
    /// carrying out its decisions, no time passing while it works.
    struct PacedRun {
        let sim: Simulation
        var pacer: Pacer
        var wall: UInt64 = 0
        var wakes = 0
        /// The most events one wakeup delivered.
        var mostAtOnce = 0

        init(_ sim: Simulation, speed: Double) {
            self.sim = sim
            pacer = Pacer(speed: speed, wall: 0, at: sim.now)
        }

        /// Sleeps (in thought) until the next wakeup and does what the pacer decides. False
        /// when there is nothing more to wake for.
        mutating func wake() -> Bool {
            guard sim.nextEventTime != nil,
                  let w = pacer.wake(wall: wall, now: sim.now, next: sim.nextEventTime, pacing: Pacer.Pacing(sim)) else { return false }
            #expect(w.deadline >= wall + Pacer.minimumWakeNanoseconds)
            wall = w.deadline
            wakes += 1
            var delivered = 0
            loop: while true {
                switch pacer.decide(wall: wall, now: sim.now, next: sim.nextEventTime, pacing: Pacer.Pacing(sim)) {
                case .deliverNext:
                    #expect(sim.step())
                    delivered += 1
                case .hold:
                    break loop
                case .run(let target):
                    let before = sim.eventCount
                    sim.run(until: target)
                    delivered += sim.eventCount - before
                    break loop
                }
            }
            mostAtOnce = max(mostAtOnce, delivered)
            return true
        }

        /// Wakes until `done` holds; returns the wall time it took, in seconds.
        mutating func seconds(until done: (Simulation) -> Bool) -> Double {
            let start = wall
            while !done(sim), wake() {}
            return Double(wall - start) / Double(RuntimePacingTests.second)
        }
    }

    static func simulation(students: Int, seed: UInt64) -> Simulation {
        Simulation(config: .init(data: .defaults(), studentCount: students, seed: seed, encodesLog: true))
    }

    // MARK: Decisions

    @Test func freeTimeRunsAtTheSpeedFromItsAnchor() {
        var p = Pacer(speed: 2, wall: 10 * Self.second, at: .seconds(5))
        func decide(wall: UInt64, now: VirtualTime, next: VirtualTime?, pacing: Pacer.Pacing) -> Pacer.Decision {
            p.decide(wall: wall, now: now, next: next, pacing: pacing)
        }
        func cap(_ c: Double?, wall: UInt64, at v: VirtualTime) -> Bool { p.cap(c, wall: wall, at: v) }
        #expect(p.speed == 2 && p.chosenSpeed == 2)
        #expect(decide(wall: 11_500 * Self.ms, now: .seconds(5), next: .seconds(60), pacing: .free) == .run(until: .milliseconds(8_000)))
        #expect(decide(wall: 11_500 * Self.ms, now: .seconds(5), next: nil, pacing: .syncRound(nodes: 7)) == .run(until: .milliseconds(8_000)),
                "nothing pending: nothing to pace")
        // The nearest speed of the list.
        #expect(Pacer(speed: 3.1).speed == 4)
        #expect(Pacer(speed: 100).speed == 16)
    }

    @Test func pacedEventsAreSpacedForTheClass() {
        #expect(Pacer(speed: 1).spacing(.free) == nil)
        #expect(Pacer(speed: 1).spacing(.replication) == 300 * Self.ms)
        #expect(Pacer(speed: 4).spacing(.replication) == 75 * Self.ms)
        #expect(Pacer(speed: 1).spacing(.syncRound(nodes: 7)) == 285_714_285, "6 s over 3 × 7 messages")
        #expect(Pacer(speed: 1).spacing(.syncRound(nodes: 5)) == 300 * Self.ms, "never slower than 0.3 s")
        #expect(Pacer(speed: 1).spacing(.syncRound(nodes: 1_002)) == 1_996_007, "6 s over 3 × 1002 messages")

        // Events 1 ms of virtual time apart, paced 300 ms of wall time apart.
        var p = Pacer(speed: 1, wall: 0, at: .zero)
        func decide(wall: UInt64, now: VirtualTime, next: VirtualTime?, pacing: Pacer.Pacing) -> Pacer.Decision {
            p.decide(wall: wall, now: now, next: next, pacing: pacing)
        }
        func cap(_ c: Double?, wall: UInt64, at v: VirtualTime) -> Bool { p.cap(c, wall: wall, at: v) }
        let pacing = Pacer.Pacing.replication
        #expect(decide(wall: 0, now: .zero, next: .milliseconds(1), pacing: pacing) == .run(until: .zero), "not reached yet")
        #expect(decide(wall: 2 * Self.ms, now: .zero, next: .milliseconds(1), pacing: pacing) == .deliverNext, "the first, at once")
        #expect(p.lastPaced == 1 * Self.ms, "its turn was when virtual time reached it")
        #expect(decide(wall: 2 * Self.ms, now: .milliseconds(1), next: .milliseconds(2), pacing: pacing) == .hold)
        #expect(decide(wall: 300 * Self.ms, now: .milliseconds(1), next: .milliseconds(2), pacing: pacing) == .hold, "a millisecond early")
        #expect(decide(wall: 301 * Self.ms, now: .milliseconds(1), next: .milliseconds(2), pacing: pacing) == .deliverNext)
        // Virtual time waited for the class: it goes on from the event, from its turn.
        #expect(p.anchorWall == 301 * Self.ms && p.anchorVirtual == .milliseconds(2))
        #expect(decide(wall: 301 * Self.ms, now: .milliseconds(2), next: .seconds(10), pacing: pacing) == .run(until: .milliseconds(2)))
        #expect(decide(wall: 1_301 * Self.ms, now: .milliseconds(2), next: .seconds(10), pacing: pacing) == .run(until: .milliseconds(1_002)))
    }

    @Test func oneWakeupDeliversEveryPacedEventWhoseTurnHasCome() {
        var p = Pacer(speed: 1, wall: 0, at: .zero)
        func decide(wall: UInt64, now: VirtualTime, next: VirtualTime?, pacing: Pacer.Pacing) -> Pacer.Decision {
            p.decide(wall: wall, now: now, next: next, pacing: pacing)
        }
        func cap(_ c: Double?, wall: UInt64, at v: VirtualTime) -> Bool { p.cap(c, wall: wall, at: v) }
        let pacing = Pacer.Pacing.syncRound(nodes: 1_002)   // about 2 ms apart
        var now = VirtualTime.zero
        #expect(decide(wall: 0, now: now, next: .zero, pacing: pacing) == .deliverNext)
        // 100 ms later: about 50 more, all due at virtual time 0.
        var delivered = 0
        while p.decide(wall: 100 * Self.ms, now: now, next: now, pacing: pacing) == .deliverNext { delivered += 1 }
        #expect(delivered == 50, "100 ms / 1.996 ms")
        now = .zero
        // A stall of a minute: the schedule catches up one second, not the whole minute.
        delivered = 0
        while p.decide(wall: 60 * Self.second, now: now, next: now, pacing: pacing) == .deliverNext { delivered += 1 }
        #expect(delivered == 501, "1 s / 1.996 ms")
    }

    @Test func wakeupsComeForTheNextEventTheNextSecondOrThePacedTurn() {
        var p = Pacer(speed: 2, wall: 0, at: .zero)
        func decide(wall: UInt64, now: VirtualTime, next: VirtualTime?, pacing: Pacer.Pacing) -> Pacer.Decision {
            p.decide(wall: wall, now: now, next: next, pacing: pacing)
        }
        func cap(_ c: Double?, wall: UInt64, at v: VirtualTime) -> Bool { p.cap(c, wall: wall, at: v) }
        // The next event before the next virtual second: woken for it, closely.
        #expect(p.wake(wall: 0, now: .zero, next: .milliseconds(400), pacing: .free) == .init(deadline: 200 * Self.ms, leewayMilliseconds: 5))
        // Nothing sooner than the next virtual second: woken for the screen's clock, loosely.
        #expect(p.wake(wall: 0, now: .milliseconds(300), next: .seconds(9), pacing: .free) == .init(deadline: 500 * Self.ms, leewayMilliseconds: 50))
        // Never sooner than the minimum interval.
        #expect(p.wake(wall: 0, now: .zero, next: .milliseconds(1), pacing: .free)?.deadline == Pacer.minimumWakeNanoseconds)
        // A paced event: not before its turn.
        #expect(decide(wall: 200 * Self.ms, now: .zero, next: .milliseconds(400), pacing: .replication) == .deliverNext)
        #expect(p.wake(wall: 200 * Self.ms, now: .milliseconds(400), next: .milliseconds(401), pacing: .replication)?.deadline == 350 * Self.ms,
                "150 ms apart at 2×")
        p.pause()
        #expect(p.wake(wall: 200 * Self.ms, now: .milliseconds(400), next: .milliseconds(401), pacing: .replication) == nil, "paused: no wakeup")
        p.resume(wall: 5 * Self.second, at: .milliseconds(400))
        #expect(!p.isPaused && p.clock(at: 6 * Self.second) == .milliseconds(2_400))
    }

    @Test func speedStepsThroughTheListAndACapHoldsItToOneX() {
        var p = Pacer(speed: 8, wall: 0, at: .zero)
        func decide(wall: UInt64, now: VirtualTime, next: VirtualTime?, pacing: Pacer.Pacing) -> Pacer.Decision {
            p.decide(wall: wall, now: now, next: next, pacing: pacing)
        }
        func cap(_ c: Double?, wall: UInt64, at v: VirtualTime) -> Bool { p.cap(c, wall: wall, at: v) }
        p.changeSpeed(by: 1, cap: nil, wall: Self.second, at: .seconds(8))
        #expect(p.speed == 16 && p.clock(at: 2 * Self.second) == .seconds(24))
        p.changeSpeed(by: 1, cap: nil, wall: Self.second, at: .seconds(8))
        #expect(p.speed == 16, "the fastest stays the fastest")
        #expect(cap(1, wall: 2 * Self.second, at: .seconds(24)), "a played student types its mark")
        #expect(p.speed == 1 && p.chosenSpeed == 16)
        #expect(!cap(1, wall: 3 * Self.second, at: .seconds(25)), "already held")
        #expect(p.clock(at: 4 * Self.second) == .seconds(26))
        p.changeSpeed(by: -1, cap: 1, wall: 4 * Self.second, at: .seconds(26))
        #expect(p.speed == 1 && p.chosenSpeed == 8)
        #expect(cap(nil, wall: 5 * Self.second, at: .seconds(27)))
        #expect(p.speed == 8)
        for _ in 0..<10 { p.changeSpeed(by: -1, cap: nil, wall: 5 * Self.second, at: .seconds(27)) }
        #expect(p.speed == 0.25)
    }

    // MARK: Whole rounds

    /// Unpaced, the round (3 messages to each of 4 polled clocks, 80 ± 50 ms a link) ends
    /// within half a second of virtual time; paced at 1×, 0.3 s of wall time per event.
    @Test func aSmallSyncRoundAtOneXTakesSecondsNotAFractionOfOne() {
        var run = PacedRun(Self.simulation(students: 3, seed: 9), speed: 1)
        run.sim.apply(.start(.sync))
        let took = run.seconds { $0.world.admin.syncRoundsCompleted == 1 }
        #expect(run.sim.world.admin.syncRoundsCompleted == 1)
        let events = run.sim.eventCount
        #expect(events == 12, "poll, reply and adjustment for the teacher and 3 students")
        #expect(run.sim.now < .milliseconds(500), "virtual time: under half a second")
        #expect(took >= Double(events - 1) * 0.3, "\(took) s of wall time for \(events) events")
        #expect(took <= Double(events) * 0.3 + 0.1, "\(took) s of wall time for \(events) events")
    }

    /// A live round at N = 1000 (three messages per polled node) is over within 10 s of wall
    /// time at 1×, many events a wakeup; the log is the unpaced run's, byte for byte.
    @Test func aSyncRoundOfAThousandStudentsEndsWithinTenSecondsAtOneX() {
        var run = PacedRun(Self.simulation(students: 1_000, seed: 4), speed: 1)
        run.sim.apply(.start(.sync))
        let took = run.seconds { $0.world.admin.syncRoundsCompleted == 1 }
        #expect(run.sim.world.admin.syncRoundsCompleted == 1)
        #expect(run.sim.eventCount >= 3 * 1_001)
        #expect(took <= 10, "\(took) s of wall time")
        #expect(took >= 5, "still slow enough to watch: \(took) s")
        #expect(run.mostAtOnce > 10, "many events a wakeup: \(run.mostAtOnce)")
        #expect(Double(run.wakes) <= took * 31, "about 30 wakeups a second at most: \(run.wakes)")
        while run.wake() {}

        let free = Self.simulation(students: 1_000, seed: 4)
        free.apply(.start(.sync))
        free.runUntilQuiet()
        let paced = run.sim.takeEncodedLog(), unpaced = free.takeEncodedLog()
        #expect(paced.count == unpaced.count && paced == unpaced, "pacing changes when, never what")
    }

    static func received(_ sim: Simulation) -> Int {
        sim.log.recent.lazy.filter { if case .recv = $0.kind { true } else { false } }.count
    }

    /// Paused, `.` still delivers one message of that round at a time.
    @Test func stepsThroughALargeRoundGoOneMessageAtATime() {
        let sim = Self.simulation(students: 1_000, seed: 4)
        sim.apply(.start(.sync))
        for _ in 0..<3 { #expect(sim.stepMessage()) }
        for _ in 0..<5 {
            let received = Self.received(sim)
            let before = sim.inFlight
            #expect(sim.stepMessage())
            #expect(Self.received(sim) == received + 1)
            #expect(sim.inFlight <= before, "one off the wire (its answer, if any, on)")
        }
    }
}
