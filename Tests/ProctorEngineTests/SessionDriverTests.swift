import Testing
@testable import ProctorEngine

/// The session driver: a lesson driven like a live one (commands at odd times, pauses,
/// single steps, a command between two events of the same virtual time) and its record
/// replayed into a fresh simulation give the same event log, byte for byte.
@Suite struct SessionDriverTests {
    /// No network jitter: a broadcast arrives everywhere at the same microsecond, so many
    /// events share a virtual time.
    static let data: ExamData = {
        let scenario = ExamData.builtIn(DefaultData.scenario).replacingOccurrences(of: "\"jitter_ms\": 50", with: "\"jitter_ms\": 0")
        return try! ExamData(scenario: scenario, roster: ExamData.builtIn(DefaultData.roster), questions: ExamData.builtIn(DefaultData.questions))
    }()

    static func simulation(_ record: SessionRecord? = nil) -> Simulation {
        Simulation(config: .init(data: data, studentCount: record?.students ?? 4, seed: record?.seed ?? 5, encodesLog: true))
    }

    /// Steps (as `.` does) until the next pending event shares the current virtual time.
    static func stepToASharedTime(_ d: SessionDriver) -> Bool {
        for _ in 0..<5_000 {
            guard d.step() else { return false }
            if d.simulation.nextEventTime == d.simulation.now { return true }
        }
        return false
    }

    /// A lesson as an operator gives it: returns the driver and the live log.
    static func liveLesson() throws -> (SessionDriver, [UInt8], betweenSharedEvents: VirtualTime) {
        let sim = simulation()
        #expect(data.scenario.network.jitter == .zero)
        let d = SessionDriver(recording: sim, header: SessionRecord(seed: 5, students: 4, speed: 4, data: data.sha256))
        var log: [UInt8] = []
        d.run(until: .init(microseconds: 1_700_321))
        d.apply(.start(.sync))
        d.run(until: .init(microseconds: 1_750_007))
        d.apply(.start(.sync))                      // refused: a round is in progress
        d.run(until: .init(microseconds: 9_000_001))
        d.apply(.toggleTakeover(student: 2))
        d.apply(.start(.exam))
        log += sim.takeEncodedLog()
        // Paused: single steps, then a command between two events due at the same time.
        try #require(stepToASharedTime(d), "no two events share a virtual time")
        let shared = sim.now
        d.apply(.answer(student: 2, choice: 1))
        d.apply(.answer(student: 2, choice: 3))    // a second key at the same instant
        d.stepMessage()
        d.stepMessage()
        d.apply(.toggleTakeover(student: 3))
        // Running again, at odd times.
        d.run(until: sim.now + .init(microseconds: 12_345_678))
        d.apply(.answer(student: 3, choice: 0))
        d.apply(.submitExam(student: 3))
        d.run(until: sim.now + .seconds(400))
        d.apply(.start(.isa))
        d.run(until: sim.now + .init(microseconds: 999))
        d.apply(.requestMarksheet(student: 2))
        try #require(stepToASharedTime(d) || true)
        d.run(until: sim.now + .seconds(3))
        for key: IsaKey in [.digit(1), .digit(7), .enter] {
            d.stepMessage()
            d.apply(.isaKey(student: 2, key))
        }
        d.run(until: sim.now + .init(microseconds: 4_444_444))
        d.quit()
        log += sim.takeEncodedLog()
        return (d, log, shared)
    }

    @Test func aReplayOfTheRecordGivesTheLiveLogByteForByte() throws {
        let (live, liveLog, _) = try Self.liveLesson()
        #expect(live.record.isFinished)
        #expect(live.record.commands.count == 15)
        // Through the file format, as a replay reads it.
        let record = try SessionRecord.decode(live.record.encoded(), file: "session.json")
        #expect(record == live.record)
        let replay = SessionDriver(replaying: record, into: Self.simulation(record))
        try replay.runToEnd()
        #expect(replay.isAtEnd)
        #expect(replay.simulation.eventCount == live.simulation.eventCount)
        #expect(replay.simulation.now == live.simulation.now, "the clock stops where the operator quit")
        let replayLog = replay.simulation.takeEncodedLog()
        #expect(replayLog == liveLog, "\(firstDifference(replayLog, liveLog))")
    }

    /// The same record replayed on screen: paced in uneven slices, with pauses and single steps.
    @Test(arguments: [1, 2, 3])
    func aPacedReplayWithStepsGivesTheSameLog(seed: UInt64) throws {
        let (live, liveLog, _) = try Self.liveLesson()
        let replay = SessionDriver(replaying: live.record, into: Self.simulation(live.record))
        var random = SeededRandom(seed: seed)
        var wall = VirtualTime.zero
        var rounds = 0
        while !replay.isAtEnd && rounds < 100_000 {
            rounds += 1
            if random.int(in: 0...3) == 0 {
                replay.stepMessage()
                wall = replay.simulation.now
            } else {
                wall = wall + .init(microseconds: random.int(in: 1...3_000_000))
                replay.run(until: wall)
            }
            #expect(replay.apply(OperatorCommand.start(.exam)) == false, "the operator's commands are refused")
        }
        #expect(replay.isAtEnd && replay.divergence == nil)
        let replayLog = replay.simulation.takeEncodedLog()
        #expect(replayLog == liveLog, "\(firstDifference(replayLog, liveLog))")
    }

    /// The exact place matters: applying the commands at their times alone (after every event
    /// of that time) gives another log. Without this the tests above could not fail.
    @Test func commandsAtTheirTimesAloneDoNotReproduceAStepPausedLesson() throws {
        let (live, liveLog, shared) = try Self.liveLesson()
        let sim = Self.simulation(live.record)
        for c in live.record.commands {
            if case .command(let command) = c.action { sim.schedule(command, at: c.at) }
        }
        sim.run(until: live.simulation.now)
        #expect(live.record.commands.contains { $0.at == shared })
        #expect(sim.takeEncodedLog() != liveLog, "the naive replay gave the same log")
    }

    @Test func theLogsCommandLinesCarryTheExactTime() throws {
        let (live, liveLog, _) = try Self.liveLesson()
        let lines = String(decoding: liveLog, as: UTF8.self).split(separator: "\n").filter { $0.contains("\"type\":\"command\"") }
        let recorded = live.record.commands.filter { $0.action != SessionRecord.Action.quit }
        // Every recorded command has its line, in order, except a phase key that was refused
        // (the lesson presses 1 during a round): that one is in the record, not the log.
        var rest = lines[...]
        var refused: [String] = []
        for c in recorded {
            if let line = rest.first, line.hasPrefix("{\"t\":\(c.at.milliseconds),\"type\":\"command\",\"name\":\"\(c.action.name)\"") {
                #expect(line.hasSuffix(",\"at_us\":\(c.at.microseconds)}"), "\(line)")
                rest = rest.dropFirst()
            } else {
                refused.append(c.action.name)
            }
        }
        #expect(rest.isEmpty, "every logged command is a recorded one")
        #expect(refused == ["sync_clocks"], "\(refused)")
    }

    /// A lesson quit halfway replays to the same log, not further.
    @Test func aReplayStopsAtQuit() throws {
        let sim = Self.simulation()
        let d = SessionDriver(recording: sim, header: SessionRecord(seed: 5, students: 4, speed: 1, data: Self.data.sha256))
        d.apply(.start(.sync))
        d.stepMessage()
        d.stepMessage()
        d.quit()
        d.quit()
        #expect(d.apply(.start(.exam)) == false, "nothing is recorded after quit")
        #expect(d.record.commands.map(\.action.name) == ["sync_clocks", "quit"])
        let replay = SessionDriver(replaying: d.record, into: Self.simulation(d.record))
        try replay.runToEnd()
        #expect(replay.simulation.nextEventTime != nil, "messages were still in flight")
        let (replayLog, liveLog) = (replay.simulation.takeEncodedLog(), sim.takeEncodedLog())
        #expect(replayLog == liveLog, "\(firstDifference(replayLog, liveLog))")
        #expect(replay.step() == false && replay.nextEventTime == nil)
    }

    /// A record that cannot be followed (here: one event more than the run has) is reported.
    @Test func aRecordTheRunCannotFollowIsReported() throws {
        let sim = Self.simulation()
        let d = SessionDriver(recording: sim, header: SessionRecord(seed: 5, students: 4, speed: 1, data: Self.data.sha256))
        d.apply(.start(.sync))
        sim.runUntilQuiet()
        var record = d.record
        record.commands.append(.init(at: sim.now + .seconds(1), after: sim.eventCount + 1, action: .command(.start(.exam))))
        let replay = SessionDriver(replaying: record, into: Self.simulation(record))
        #expect(throws: SessionDriver.Divergence.self) { try replay.runToEnd() }
        #expect(replay.simulation.eventCount == sim.eventCount)
    }
}

/// The first line where two logs differ, for a failure message short enough to read.
func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
    let x = String(decoding: a, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let y = String(decoding: b, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    guard let i = zip(x, y).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else {
        return x.count == y.count ? "the same" : "one log is a prefix of the other: \(x.count) and \(y.count) lines"
    }
    return "line \(i + 1):\n  \(x[i])\n  \(y[i])"
}
