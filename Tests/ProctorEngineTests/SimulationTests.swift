import Foundation
import Testing
@testable import ProctorEngine

/// Whole sync rounds through the simulated network, checked against the event log the way
/// an independent checker reads it.
@Suite struct SimulationTests {
    @Test(arguments: [1, 2, 3, 42, 1234, 99_999])
    func afterSyncTheClocksAgreeWithinTheRoundTripBound(seed: UInt64) {
        let (sim, log) = TestLog.run(seed: seed)
        let result = TestLog.of(log, "sync_result").first!
        let before = int(result, "spread_before_ms")
        let after = int(result, "spread_after_ms")
        let rtt = int(result, "max_rtt_ms")
        #expect(after <= rtt)
        #expect(before > 1000, "clocks start seconds apart")
        #expect(sim.world.clockSpread() <= sim.snapshot().sync.lastResult!.maxRoundTrip)
        #expect(sim.brokenInvariants.isEmpty)
    }

    @Test(arguments: [1, 2, 5, 17, 60])
    func everySendIsReceivedOnceAndEveryNodeIsAdjustedOnce(students: Int) {
        let (_, log) = TestLog.run(seed: 7, students: students)
        let sends = TestLog.of(log, "send")
        let recvs = TestLog.of(log, "recv")
        #expect(Set(sends.map { int($0, "id") }) == Set(recvs.map { int($0, "id") }))
        #expect(sends.count == recvs.count)
        #expect(sends.filter { $0["mech"] as? String == "sync" }.count == 3 * (students + 1), "REQUEST, REPLY, ADJUST per polled node")
        var byID: [Int: [String: Any]] = [:]
        for r in recvs { byID[int(r, "id")] = r }
        for s in sends {
            let r = byID[int(s, "id")]!
            #expect(r["from"] as! String == s["from"] as! String && r["to"] as! String == s["to"] as! String)
            #expect(int(r, "t") >= int(s, "t"))
        }
        let adjusted = TestLog.of(log, "clock_adjust").map { $0["node"] as! String }
        let expected = ["main", "teacher"] + (1...students).map { "student-\($0)" }
        #expect(adjusted.sorted() == expected.sorted())
    }

    @Test func theLogIsInTimeOrderAndEndsWithDone() {
        let (_, log) = TestLog.run(seed: 5)
        let times = log.map { int($0, "t") }
        #expect(times == times.sorted())
        #expect(TestLog.of(log, "phase").compactMap { $0["name"] as? String } == ["sync", "exam", "isa", "replication", "consistency", "done"])
        #expect(log.last?["type"] as? String == "phase")
    }

    /// local_before_ms − t is the node's offset: after the round they agree within the bound.
    @Test func offsetsFromTheLogAgreeAfterTheRound() {
        let (_, log) = TestLog.run(seed: 9, students: 8)
        let adjusts = TestLog.of(log, "clock_adjust")
        let after = adjusts.map { (int($0, "local_before_ms")) - (int($0, "t")) + (int($0, "delta_ms")) }
        let rtt = int(TestLog.of(log, "sync_result").first!, "max_rtt_ms")
        #expect(after.max()! - after.min()! <= rtt + 2, "±1 ms of rounding per value")
    }

    @Test func aResyncPullsDriftedClocksTogetherAgain() {
        let (sim, log) = TestLog.run(seed: 21, resync: true)
        let results = TestLog.of(log, "sync_result")
        #expect(results.count == 2)
        #expect(TestLog.of(log, "phase").filter { $0["name"] as? String == "sync" }.count == 2)
        #expect(int(results[1], "spread_before_ms") > int(results[0], "spread_after_ms"), "drift over 10 minutes")
        #expect(int(results[1], "spread_after_ms") <= int(results[1], "max_rtt_ms"))
        #expect(sim.snapshot().sync.roundsCompleted == 2)
    }

    @Test func theSameSeedGivesAByteIdenticalLogAndAnotherSeedDoesNot() {
        func bytes(_ seed: UInt64) -> [UInt8] {
            let sim = Simulation(config: .init(data: .defaults(), studentCount: 12, seed: seed, encodesLog: true))
            var out: [UInt8] = []
            _ = try! Headless.run(sim) { out += $0 }
            return out
        }
        #expect(bytes(77) == bytes(77))
        #expect(bytes(77) != bytes(78))
    }

    /// A live run and a replay of its command log at the same virtual times agree byte for byte.
    @Test func aCommandLogReplaysTheSameRun() {
        let live = Simulation(config: .init(data: .defaults(), studentCount: 4, seed: 3, encodesLog: true))
        live.run(until: .milliseconds(1700))
        live.apply(.start(.sync))
        live.run(until: .milliseconds(1750))
        live.apply(.start(.sync))          // refused: a round is in progress
        live.run(until: .seconds(30))
        live.apply(.nextPhase)
        live.runUntilQuiet()
        let replay = Simulation(config: .init(data: .defaults(), studentCount: 4, seed: 3, encodesLog: true))
        for (t, c) in live.commandLog { replay.schedule(c, at: t) }
        replay.runUntilQuiet()
        #expect(replay.takeEncodedLog() == live.takeEncodedLog())
    }

    @Test func phaseKeysOutOfOrderExplainAndChangeNothing() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 1, encodesLog: false))
        sim.apply(.start(.consistency))
        #expect(sim.notice?.text == "The demo reads and writes the replicas: start the exam first (2).", "the first step missing is named")
        #expect(sim.phase == nil)
        sim.apply(.nextPhase)
        #expect(sim.phase == .sync)
        sim.apply(.start(.sync))
        #expect(sim.notice?.text.contains("already in progress") == true)
        sim.runUntilQuiet()
        #expect(sim.completed == [.sync])
        #expect(sim.nextPhase == .exam)
    }

    /// A refused phase key says what is missing first, and the log does not claim it ran.
    @Test func aRefusedPhaseIsNotLoggedAsACommand() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 1, encodesLog: true))
        sim.apply(.start(.replication))
        #expect(sim.notice?.text == "Replicas hold the final results: start the exam first (2).")
        sim.apply(.start(.exam))
        sim.run(until: sim.now + .seconds(5))
        sim.apply(.start(.isa))
        #expect(sim.notice?.text == "ISA marks come after the exam: wait for the exam to finish.")
        let commands = TestLog.of(TestLog.parse(sim.takeEncodedLog()), "command").compactMap { $0["name"] as? String }
        #expect(commands == ["start_exam"], "only the command that ran is logged: \(commands)")
        #expect(sim.commandLog.count == 3, "the session record keeps all three (a replay refuses them alike)")
    }

    /// After the ISA phase, `i` says the phase is over — not "already recorded (18)" when a
    /// demo write has changed that mark since.
    @Test func askingForTheMarksheetAfterTheIsaPhaseSaysItIsOver() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 2, encodesLog: false))
        sim.run(through: [Phase.sync, .exam, .isa, .replication])
        sim.apply(.toggleTakeover(student: 2))
        sim.apply(.requestMarksheet(student: 2))
        #expect(sim.notice?.text == "The ISA phase is over: every mark is in the marksheet.")
    }

    @Test func snapshotsShowEachClocksAdjustment() throws {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 4, encodesLog: false))
        sim.apply(.start(.sync))
        var snap = Snapshot(simulation: sim, paused: false, speed: 1)
        #expect(snap.clocks.dropFirst().allSatisfy { $0.status == .polled })
        sim.runUntilQuiet()
        snap = Snapshot(simulation: sim, paused: false, speed: 1)
        #expect(snap.clocks.count == 5)
        for row in snap.clocks {
            #expect(row.status == .adjusted)
            #expect(row.lastAdjust != nil)
        }
        #expect(snap.clocks[0].lastAdjust?.estimatedOffset == .zero, "the daemon's own offset is 0")
        let result = try #require(snap.sync.lastResult, "a finished round leaves its result in the snapshot")
        let readings = snap.clocks.map(\.reading.microseconds)
        #expect(readings.max()! - readings.min()! <= result.maxRoundTrip.microseconds)
    }
}

extension SimulationTests {
    @Test func aResyncDuringALaterPhaseReturnsToIt() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 6, encodesLog: false))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        sim.apply(.start(.exam))
        sim.run(until: sim.now + .seconds(20))
        sim.apply(.start(.sync))
        #expect(sim.phase == .sync)
        sim.run(until: sim.now + .seconds(5))
        #expect(sim.snapshot().sync.roundsCompleted == 2)
        #expect(sim.phase == .exam)
    }
}
