import Testing
@testable import ProctorEngine

/// Step back: any earlier point is the nearest checkpoint re-executed, and going forward
/// again from there gives the same events.
@Suite struct StepBackTests {
    struct Mark: Equatable {
        var count: Int
        var bytes: Int
        var now: VirtualTime
        var last: String
        var results: [ResultRow]
        var spread: VirtualDuration
    }

    static func mark(_ sim: Simulation) -> Mark {
        Mark(count: sim.log.count, bytes: sim.log.encodedTotal, now: sim.now, last: String(describing: sim.log.recent.last),
             results: sim.results, spread: sim.world.clockSpread())
    }

    /// A lesson with commands between the events, marking every position on the way.
    static func lesson(students: Int = 12, seed: UInt64 = 3, storage: StoragePort = MemoryStorage()) -> (Simulation, [Int: Mark]) {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: students, seed: seed, encodesLog: true), storage: storage)
        sim.enableStepBack()
        var marks: [Int: Mark] = [sim.position: mark(sim)]
        func run(_ n: Int) {
            for _ in 0..<n where sim.step() { marks[sim.position] = mark(sim) }
        }
        sim.apply(.start(.sync)); marks[sim.position] = mark(sim)
        run(40)
        sim.apply(.toggleTakeover(student: 2))
        sim.apply(.start(.exam)); marks[sim.position] = mark(sim)
        run(30)
        sim.apply(.answer(student: 2, choice: 1)); marks[sim.position] = mark(sim)
        run(5_000)
        sim.apply(.toggleTakeover(student: 2))
        for p in [Phase.isa, .replication, .consistency] {
            sim.apply(.start(p)); marks[sim.position] = mark(sim)
            run(5_000)
        }
        return (sim, marks)
    }

    @Test func everyEarlierPointComesBackExactly() {
        let (sim, marks) = Self.lesson()
        let end = sim.position
        #expect(end > 3 * History.interval, "the run spans several checkpoints")
        var random = SeededRandom(seed: 9)
        for _ in 0..<40 {
            let target = Int(random.int(in: 0...Int64(end)))
            #expect(sim.stepBack(to: target))
            #expect(sim.position == target)
            #expect(Self.mark(sim) == marks[target], "position \(target)")
        }
    }

    @Test func backOneThenForwardOneGivesTheSameEvent() {
        let (sim, marks) = Self.lesson()
        let end = sim.position
        _ = sim.takeEncodedLog()
        for _ in 0..<5 { #expect(sim.stepBack()) }
        #expect(sim.position == end - 5 && sim.isInPast)
        #expect(Self.mark(sim) == marks[end - 5])
        for i in 1...5 {
            #expect(sim.step())
            #expect(Self.mark(sim) == marks[end - 5 + i])
        }
        #expect(!sim.isInPast)
        #expect(sim.takeEncodedLog().isEmpty, "the events gone through again are not logged twice")
    }

    /// `.` after `b`: the single step a class watches goes forward exactly one event at a
    /// time through the past (timers included, as `b` went back), and stops at the furthest
    /// point instead of running past it.
    @Test func singleStepsFromThePastRetraceEachEventUpToTheFurthestPoint() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 4, seed: 5, encodesLog: true))
        sim.enableStepBack()
        let driver = SessionDriver(recording: sim, header: SessionRecord(seed: 5, students: 4, speed: 16, data: ExamData.defaults().sha256))
        var marks: [Int: Mark] = [:]
        var screens: [Int: [String]] = [:]
        var log: [UInt8] = []
        func note() {
            log += sim.takeEncodedLog()
            marks[sim.position] = Self.mark(sim)
            screens[sim.position] = sim.log.recent.map { String(describing: $0) }
        }
        driver.apply(.start(.sync))
        while sim.phase == .sync, !sim.completed.contains(.sync), driver.step() { note() }
        driver.apply(.toggleTakeover(student: 2))
        driver.apply(.start(.exam))
        note()
        for _ in 0..<60 where driver.step() { note() }
        let end = sim.position
        let k = 30
        for _ in 0..<k { #expect(sim.stepBack()) }
        #expect(sim.position == end - k && sim.isInPast)
        // Events that are not message deliveries lie in the stretch stepped through.
        var timers = 0
        for i in 1...k {
            if !sim.nextEventIsDelivery { timers += 1 }
            #expect(driver.stepMessage())
            #expect(sim.position == end - k + i, "one . is one event")
            #expect(Self.mark(sim) == marks[end - k + i], "position \(end - k + i)")
            #expect(sim.log.recent.map { String(describing: $0) } == screens[end - k + i], "the log at position \(end - k + i) as it was")
        }
        #expect(timers > 0, "the stretch has timers between the messages")
        #expect(!sim.isInPast && sim.position == end)
        #expect(sim.takeEncodedLog().count == 0, "the events gone through again are not logged twice")
    }

    /// Time moves on between events (the wall clock's pace): back and forward again returns
    /// to the time the run had reached, not the time of its last event.
    @Test func forwardAgainToTheFurthestPointRestoresItsTime() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 2, encodesLog: true))
        sim.enableStepBack()
        sim.apply(.start(.sync))
        sim.run(until: .seconds(40))
        #expect(sim.nextEventTime == nil || sim.nextEventTime! > .seconds(40))
        let reached = sim.now
        #expect(sim.stepBack())
        #expect(sim.now < reached)
        #expect(sim.step())
        #expect(!sim.isInPast)
        #expect(sim.now == reached)
        #expect(sim.stepBack(to: sim.position - 3) && sim.stepBack(to: sim.horizon))
        #expect(sim.now == reached)
    }

    @Test func aCommandInThePastBranchesLikeAFreshRunWithThatCommand() {
        let (sim, _) = Self.lesson()
        var log = sim.takeEncodedLog()
        let target = 120
        #expect(sim.stepBack(to: target))
        let cut = sim.branch()
        log = Array(log[..<cut])
        sim.apply(.start(.exam))
        while sim.step() {}
        log += sim.takeEncodedLog()

        // The same commands at the same points, never stepped back.
        let fresh = Simulation(config: .init(data: .defaults(), studentCount: 12, seed: 3, encodesLog: true))
        fresh.enableStepBack()
        for c in sim.positionedCommands {
            while fresh.position < c.after { fresh.step() }
            fresh.run(until: c.at)
            fresh.apply(c.command)
        }
        while fresh.step() {}
        #expect(log == fresh.takeEncodedLog())
        #expect(sim.positionedCommands.filter { $0.after > target }.isEmpty || sim.positionedCommands.last?.after == target)
    }

    @Test func filesComeBackWithTheBranch() throws {
        let files = MemoryStorage()
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 5, encodesLog: false), storage: files)
        sim.enableStepBack()
        for p in [Phase.sync, .exam, .isa, .replication] {
            sim.apply(.start(p))
            while sim.step() {}
        }
        let before = sim.position
        let atReplication = files.files
        sim.apply(.start(.consistency))
        while sim.step() {}
        #expect(files.files != atReplication, "the demo wrote")
        let written = files.files
        // Re-executing the past touches no file.
        #expect(sim.stepBack(to: before + 1))
        #expect(files.files == written)
        #expect(sim.stepBack(to: before))
        sim.branch()
        #expect(files.files == atReplication, "a branch puts the files back as they were then")
    }
}
