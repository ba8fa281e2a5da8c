import Testing
@testable import ProctorEngine

/// Faults injected from a run's configuration: what breaks, what the protocols repair, and
/// that safety holds throughout.
@Suite struct FaultTests {
    static func run(_ faults: [FaultSpec], seed: UInt64 = 1, students: Int = 5) -> (Simulation, LogLines) {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: students, seed: seed, encodesLog: true, faults: faults))
        var bytes: [UInt8] = []
        _ = try! Headless.run(sim) { bytes += $0 }
        return (sim, TestLog.parse(bytes))
    }

    static func submitsPerStudent(_ log: LogLines) -> [String: Int] {
        var n: [String: Int] = [:]
        for s in TestLog.of(log, "submit") { n[s["student"] as! String, default: 0] += 1 }
        return n
    }

    @Test(arguments: [(UInt64(1), 60), (2, 120), (3, 200), (4, 280), (5, 295)])
    func mainCrashingDuringTheExamStillRecordsEveryStudentOnce(seed: UInt64, at seconds: Int) {
        let crash = FaultSpec(kind: .crash, node: .main, phase: .exam, offset: .seconds(Int64(seconds)), duration: .seconds(30))
        let (sim, log) = Self.run([crash], seed: seed)
        #expect(TestLog.of(log, "fault").count == 1 && TestLog.of(log, "recover").count == 1)
        #expect(TestLog.of(log, "recover").first?["kind"] as? String == "restart")
        let counts = Self.submitsPerStudent(log)
        #expect(counts.count == 5 && counts.values.allSatisfy { $0 == 1 }, "every student recorded exactly once: \(counts)")
        #expect(sim.completed.contains(.exam) && sim.phase == .done, "the walkthrough still ends")
        #expect(sim.brokenInvariants.isEmpty, "\(sim.brokenInvariants)")
        // Messages that reached main while it was down are logged as dropped, never received.
        let drops = TestLog.of(log, "drop").filter { $0["reason"] as? String == "crashed" }
        let ids = Set(drops.compactMap { $0["id"] as? Int })
        #expect(!TestLog.of(log, "recv").contains { ids.contains($0["id"] as? Int ?? -1) })
    }

    @Test func aLongMainOutageFailsSubmissionsOverToTheBackup() {
        // Main is down from the last question to well after the exam: the students' resends
        // go to the backup, which records them; main learns of them when it is back.
        let crash = FaultSpec(kind: .crash, node: .main, phase: .exam, offset: .seconds(285), duration: .seconds(120))
        let (sim, log) = Self.run([crash], seed: 7)
        let failovers = TestLog.of(log, "failover")
        #expect(!failovers.isEmpty, "someone failed over")
        #expect(failovers.allSatisfy { $0["from"] as? String == "main" && $0["to"] as? String == "backup" && $0["reason"] as? String == "main down" })
        let counts = Self.submitsPerStudent(log)
        #expect(counts.count == 5 && counts.values.allSatisfy { $0 == 1 }, "\(counts)")
        #expect(TestLog.of(log, "submit").contains { $0["server"] as? String == "backup" })
        #expect(sim.results.allSatisfy { $0.status != .pending }, "main's results know every record")
        #expect(sim.brokenInvariants.isEmpty, "\(sim.brokenInvariants)")
    }

    @Test func aDroppedLinkLosesItsMessagesAndTheRunGoesOn() {
        let drop = FaultSpec(kind: .drop, from: .student(2), to: .main, phase: .exam, offset: .seconds(10), duration: .seconds(40))
        let (sim, log) = Self.run([drop], seed: 3)
        let dropped = TestLog.of(log, "drop").filter { $0["reason"] as? String == "link" }
        #expect(!dropped.isEmpty)
        let f = TestLog.of(log, "fault").first
        #expect(f?["kind"] as? String == "drop" && f?["from"] as? String == "student-2" && f?["to"] as? String == "main")
        #expect(TestLog.of(log, "recover").count == 1)
        #expect(Self.submitsPerStudent(log).values.allSatisfy { $0 == 1 })
        #expect(sim.phase == .done && sim.brokenInvariants.isEmpty)
    }

    @Test func aDelayedLinkDeliversLate() {
        let delay = FaultSpec(kind: .delay, from: .main, to: .student(1), phase: .exam, offset: .zero, duration: .seconds(60), amount: .milliseconds(900))
        let (sim, log) = Self.run([delay], seed: 4)
        let late = TestLog.of(log, "recv").filter { $0["from"] as? String == "main" && $0["to"] as? String == "student-1" && $0["msg"] as? String == "QUESTION" }
        #expect(!late.isEmpty)
        #expect(TestLog.of(log, "fault").first?["detail"] as? String == "by 900 ms")
        #expect(sim.phase == .done && sim.brokenInvariants.isEmpty)
    }

    @Test func aClockJumpIsPulledBackByTheNextSyncRound() {
        let jump = FaultSpec(kind: .clockjump, node: .student(1), phase: .exam, offset: .seconds(5), amount: .seconds(-8))
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 4, seed: 2, encodesLog: true, faults: [jump]))
        sim.apply(.start(.sync)); sim.runUntilQuiet()
        let synced = sim.world.clockSpread()
        sim.apply(.start(.exam)); sim.run(until: sim.now + .seconds(10))
        #expect(sim.world.clockSpread() > synced + .seconds(7), "the jump pulls student-1's clock away")
        sim.apply(.start(.sync)); sim.run(until: sim.now + .seconds(5))
        #expect(sim.world.clockSpread() < .seconds(1), "a re-sync repairs it")
        #expect(sim.brokenInvariants.isEmpty)
    }

    static func mostInside(_ log: LogLines) -> Int {
        var inside = 0, most = 0
        for line in log where ["cs_enter", "cs_exit"].contains(line["type"] as? String) {
            inside += line["type"] as? String == "cs_enter" ? 1 : -1
            most = max(most, inside)
        }
        return most
    }

    /// A student cut off while others wait for its REPLY holds them up (liveness) but never
    /// lets two in (safety); when the partition heals, the REQUESTs lost in it go again and
    /// every mark gets in.
    @Test func aPartitionDuringTheMarksheetCostsLivenessNotSafety() {
        let cut = FaultSpec(kind: .partition, node: .student(3), phase: .isa, offset: .zero, duration: .seconds(10))
        let (sim, log) = Self.run([cut], seed: 2)
        #expect(TestLog.of(log, "fault").first?["kind"] as? String == "partition")
        #expect(TestLog.of(log, "drop").contains { $0["reason"] as? String == "partition" })
        #expect(sim.brokenInvariants.isEmpty, "mutual exclusion holds")
        #expect(Self.mostInside(log) <= 1)
        let healed = TestLog.of(log, "recover").first?["t"] as? Int ?? .max
        #expect(TestLog.sends(log, "ra", "REQUEST").contains { ($0["t"] as? Int ?? 0) == healed }, "requests go again as it heals")
        #expect(sim.completed.contains(.isa) && TestLog.of(log, "cs_exit").count == 5, "every mark entered")
    }

    /// The first student into the marksheet crashes there: nobody else enters while it is down
    /// (its REPLYs are owed), it is back with its request and leaves when its hold limit —
    /// counted from entry — has passed, and the others follow one at a time.
    @Test(arguments: [UInt64(1), 2, 3])
    func aStudentThatCrashesInTheSectionLeavesByItsHoldLimitWhenBack(seed: UInt64) throws {
        let (_, plain) = Self.run([], seed: seed)
        let isaStart = try #require(TestLog.of(plain, "phase").first { $0["name"] as? String == "isa" }?["t"] as? Int)
        let enter = try #require(TestLog.of(plain, "cs_enter").first)
        let who = try #require(enter["node"] as? String), at = try #require(enter["t"] as? Int)
        let k = Int(who.dropFirst("student-".count))!
        let crash = FaultSpec(kind: .crash, node: .student(k), phase: .isa, offset: .milliseconds(Int64(at - isaStart + 500)), duration: .seconds(20))
        let (sim, log) = Self.run([crash], seed: seed)
        let down = try #require(TestLog.of(log, "fault").first?["t"] as? Int), up = down + 20_000
        let entries = TestLog.of(log, "cs_enter")
        #expect(!entries.contains { let t = $0["t"] as? Int ?? 0; return t > down && t < up }, "everyone waits while it is down")
        let exit = try #require(TestLog.of(log, "cs_exit").first { $0["node"] as? String == who })
        #expect(exit["reason"] as? String == "timeout" && exit["t"] as? Int == up, "back after its limit: it leaves at once")
        #expect(Self.mostInside(log) <= 1 && sim.brokenInvariants.isEmpty)
        #expect(sim.completed.contains(.isa) && TestLog.of(log, "cs_exit").count == 5)
    }

    /// A student that crashes while waiting keeps its request: it asks again when back, and
    /// the marksheet goes round.
    @Test func aStudentThatCrashesWhileWaitingKeepsItsRequest() {
        let crash = FaultSpec(kind: .crash, node: .student(2), phase: .isa, offset: .seconds(4), duration: .seconds(15))
        let (sim, log) = Self.run([crash], seed: 4)
        #expect(TestLog.of(log, "cs_request").filter { $0["node"] as? String == "student-2" }.count == 1, "one request, kept across the crash")
        #expect(sim.completed.contains(.isa) && Self.mostInside(log) <= 1 && sim.brokenInvariants.isEmpty)
    }

    /// A student down from the exam's first question until its last is open: back, it asks
    /// main which question is open, answers it, and is recorded.
    @Test func aStudentDownFromTheStartOfTheExamJoinsAtTheLastQuestion() {
        let crash = FaultSpec(kind: .crash, node: .student(2), phase: .exam, offset: .zero, duration: .seconds(285))
        let (sim, log) = Self.run([crash], seed: 5)
        let back = TestLog.of(log, "recover").first?["t"] as? Int ?? .max
        #expect(TestLog.sends(log, "exam", "RESUME").contains { $0["from"] as? String == "student-2" && $0["t"] as? Int == back })
        #expect(TestLog.sends(log, "exam", "ANSWER").contains { $0["from"] as? String == "student-2" && $0["q"] as? Int == 10 }, "it answers question 10")
        #expect(Self.submitsPerStudent(log)["student-2"] == 1 && sim.completed.contains(.exam) && sim.brokenInvariants.isEmpty)
    }

    /// The teacher is down when main polls: the round goes on without it after its timeout.
    @Test func aSyncRoundLeavesOutAClockThatIsDown() {
        let crash = FaultSpec(kind: .crash, node: .teacher, phase: .sync, offset: .zero, duration: .seconds(10))
        let (sim, log) = Self.run([crash], seed: 3)
        let result = sim.world.observers.sync.lastResult
        #expect(result?.leftOut == [.teacher])
        #expect(TestLog.of(log, "sync_result").first?["t"] as? Int ?? 0 >= 1_000 + 5_000, "after the 5 s timeout")
        #expect(!TestLog.sends(log, "sync", "ADJUST").contains { $0["to"] as? String == "teacher" })
        #expect(sim.completed.contains(.sync) && sim.brokenInvariants.isEmpty, "clock_bound holds over the clocks corrected")
        #expect(sim.messageFloors.first?.isAtFloor == true)
    }

    /// A clock that jumps while its round is in progress is not what the round corrected:
    /// it is named, and the bound is checked over the others (it holds). main's own clock
    /// jumping while it reads the REPLYs voids the round: it polls again.
    @Test func aClockJumpInTheMiddleOfASyncRound() {
        let teacher = FaultSpec(kind: .clockjump, node: .teacher, phase: .sync, offset: .milliseconds(88), amount: .milliseconds(-5_291))
        let (sim, log) = Self.run([teacher], seed: 275, students: 2)
        #expect(sim.world.observers.sync.lastResult?.jumped == [.teacher])
        #expect(sim.brokenInvariants.isEmpty, "\(sim.brokenInvariants)")
        #expect(TestLog.of(log, "sync_result").count == 1)

        let main = FaultSpec(kind: .clockjump, node: .main, phase: .sync, offset: .milliseconds(60), amount: .seconds(4))
        let (sim2, log2) = Self.run([main], seed: 275, students: 2)
        #expect(TestLog.of(log2, "sync_result").map { $0["round"] as? Int } == [2], "round 1 is void; round 2 counts")
        #expect(sim2.brokenInvariants.isEmpty, "\(sim2.brokenInvariants)")
    }

    /// main crashes mid-round: the round dies with it, and it polls again when back.
    @Test func mainCrashingInASyncRoundPollsAgainWhenBack() {
        let crash = FaultSpec(kind: .crash, node: .main, phase: .sync, offset: .milliseconds(100), duration: .seconds(5))
        let (sim, log) = Self.run([crash], seed: 3)
        #expect(TestLog.sends(log, "sync", "REQUEST").map { $0["round"] as? Int }.contains(2))
        #expect(TestLog.of(log, "sync_result").map { $0["round"] as? Int } == [2])
        #expect(sim.completed.contains(.sync) && sim.phase == .done && sim.brokenInvariants.isEmpty)
    }

    /// main crashes in the demo: the lock table is durable, LOCKs and UNLOCKs lost while it
    /// was down go again, and the demo ends with the copies equal.
    @Test(arguments: [UInt64(1), 2, 3])
    func mainCrashingInTheDemoKeepsItsLocks(seed: UInt64) {
        let crash = FaultSpec(kind: .crash, node: .main, phase: .consistency, offset: .seconds(2), duration: .seconds(10))
        let (sim, log) = Self.run([crash], seed: seed, students: 6)
        #expect(sim.phase == .done && sim.completed.contains(.consistency))
        #expect(ReplicaFaultTests.copiesAgree(sim) && sim.brokenInvariants.isEmpty)
        #expect(TestLog.of(log, "lock_acquire").count == TestLog.of(log, "lock_release").count, "every hold released")
    }

    /// LOCKs and UNLOCKs lost on dropped links go again when the links are back, so every
    /// request is granted, every lock released, and main's metadata follows the writes.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func anUnlockLostOnADroppedLinkGoesAgain(seed: UInt64) {
        let drops = (1...6).map { FaultSpec(kind: .drop, from: .student($0), to: .main, phase: .consistency, offset: .seconds(1), duration: .seconds(6)) }
        let (sim, log) = Self.run(drops, seed: seed, students: 6)
        let dropped = Set(TestLog.of(log, "drop").compactMap { $0["id"] as? Int })
        let lost = TestLog.sends(log, "lock").filter { dropped.contains($0["id"] as? Int ?? -1) }
        #expect(!lost.isEmpty, "LOCKs or UNLOCKs were lost")
        #expect(sim.phase == .done && sim.completed.contains(.consistency))
        #expect(ReplicaFaultTests.copiesAgree(sim) && sim.brokenInvariants.isEmpty)
    }

    @Test func faultsFollowTheSeedAndTheirSpecs() {
        let specs = [FaultSpec(kind: .crash, node: .backup, phase: .exam, offset: .seconds(250), duration: .seconds(20)),
                     FaultSpec(kind: .drop, from: .main, to: .student(4), phase: .sync, offset: .zero, duration: .seconds(2))]
        let a = Self.run(specs, seed: 9).1.count, b = Self.run(specs, seed: 9).1.count
        #expect(a == b)
        let sim1 = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 9, encodesLog: true, faults: specs))
        let sim2 = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 9, encodesLog: true, faults: specs))
        var x: [UInt8] = [], y: [UInt8] = []
        _ = try! Headless.run(sim1) { x += $0 }
        _ = try! Headless.run(sim2) { y += $0 }
        #expect(x == y, "a run with faults is as repeatable as one without")
    }
}

/// Replicas that crash: the copies reach them when they return, reads go to a live copy, a
/// write waits for every replica (write-all) and the copies end equal.
@Suite struct ReplicaFaultTests {
    static func copiesAgree(_ sim: Simulation) -> Bool {
        let stores = sim.world.cluster.replicas.map(\.store)
        return (1...2).allSatisfy { c in Set(stores.map { $0.sha256[c - 1] ?? "none" }).count == 1 }
    }

    @Test func aReplicaDownDuringReplicationGetsItsCopiesWhenItReturns() {
        let crash = FaultSpec(kind: .crash, node: .replica(2), phase: .replication, offset: .zero, duration: .seconds(8))
        let (sim, log) = FaultTests.run([crash], seed: 3)
        #expect(TestLog.of(log, "drop").contains { $0["reason"] as? String == "crashed" }, "STOREs to it were lost")
        #expect(TestLog.of(log, "replica_write").filter { $0["replica"] as? Int == 2 && $0["version"] as? Int == 1 }.count == 2)
        #expect(sim.completed.contains(.replication) && sim.phase == .done)
        #expect(Self.copiesAgree(sim))
        #expect(sim.brokenInvariants.isEmpty)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func aReplicaDownDuringTheDemoDelaysButNeverSplitsTheCopies(seed: UInt64) {
        let crash = FaultSpec(kind: .crash, node: .replica(1), phase: .consistency, offset: .seconds(1), duration: .seconds(6))
        let (sim, log) = FaultTests.run([crash], seed: seed, students: 6)
        #expect(TestLog.of(log, "fault").count == 1)
        #expect(sim.phase == .done, "the demo ends once the replica is back")
        #expect(Self.copiesAgree(sim), "every copy of a chunk equal after the writes")
        // Every VALUE a student read came from a live replica.
        #expect(sim.brokenInvariants.isEmpty)
    }
}
