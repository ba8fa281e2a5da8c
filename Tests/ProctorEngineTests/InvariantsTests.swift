import Testing
@testable import ProctorEngine

/// The invariant checker, fed hand-made log lines; the console that holds it; and whole
/// walkthroughs in which every invariant is checked and holds.
@Suite struct InvariantsTests {
    static let s1 = NodeID.student(1), s2 = NodeID.student(2), s3 = NodeID.student(3)

    static func submit(_ student: NodeID, server: NodeID = .main) -> LogEntry.Kind {
        .submit(SubmitRecord(student: student, roll: 100, reason: .timeout, server: server, arrived: .seconds(1), started: .seconds(1),
                             warnings: 0, raw: 50, final: 50))
    }

    static func sync(after: Int64, rtt: Int64) -> LogEntry.Kind {
        .syncResult(SyncRoundResult(round: 1, spreadBefore: .milliseconds(4_000), spreadAfter: .milliseconds(after),
                                    maxRoundTrip: .milliseconds(rtt), outliers: []))
    }

    static func feed(_ kinds: [LogEntry.Kind], into inv: inout Invariants) -> [Invariants.Breach] {
        kinds.flatMap { inv.observe($0) }
    }

    // MARK: The checker

    @Test func aFreshCheckerListsTheFiveInTheContractsOrderNotYetChecked() {
        let inv = Invariants()
        #expect(inv.statuses.map(\.name) == ["mutex", "rw", "exactly_once", "replicas", "clock_bound"])
        #expect(inv.statuses.allSatisfy { $0.held && $0.checks == 0 && $0.detail == nil })
        #expect(inv.allHeld)
    }

    @Test func mutexHoldsWhenEachEntryFollowsAnExit() {
        var inv = Invariants()
        let found = Self.feed([.csEnter(node: Self.s1), .csExit(node: Self.s1, isa: 7, reason: .done),
                               .csEnter(node: Self.s2), .csExit(node: Self.s2, isa: nil, reason: .timeout)], into: &inv)
        #expect(found.isEmpty)
        #expect(inv[.mutex] == InvariantStatus(name: "mutex", checks: 2))
        #expect(inv.csHolder == nil)
    }

    @Test func mutexBreaksWhenASecondStudentEntersBeforeTheFirstLeaves() throws {
        var inv = Invariants()
        let found = Self.feed([.csEnter(node: Self.s1), .csEnter(node: Self.s2)], into: &inv)
        let b = try #require(found.first)
        #expect(found.count == 1 && b.name == "mutex")
        #expect(b.detail == "S2 entered the critical section while S1 was in it")
        #expect(!inv[.mutex].held && inv[.mutex].checks == 2 && inv[.mutex].detail == b.detail)
        #expect(!inv.allHeld)
        #expect(inv[.rw].held, "the others are untouched")
    }

    @Test func rwHoldsForSharedReadersAndForWritersOneAtATime() {
        var inv = Invariants()
        let found = Self.feed([
            .lockAcquire(node: Self.s1, chunk: 1, mode: .read), .lockAcquire(node: Self.s2, chunk: 1, mode: .read),
            .lockAcquire(node: Self.s3, chunk: 2, mode: .write),   // another chunk
            .lockRelease(node: Self.s1, chunk: 1, mode: .read), .lockRelease(node: Self.s2, chunk: 1, mode: .read),
            .lockAcquire(node: Self.s1, chunk: 1, mode: .write), .lockRelease(node: Self.s1, chunk: 1, mode: .write),
            .lockAcquire(node: Self.s2, chunk: 1, mode: .write),
        ], into: &inv)
        #expect(found.isEmpty)
        #expect(inv[.rw].held && inv[.rw].checks == 5)
        #expect(inv.lockHolders == [1: [Self.s2: .write], 2: [Self.s3: .write]])
    }

    @Test func rwBreaksForAWriterBesideAReader() throws {
        var inv = Invariants()
        let found = Self.feed([.lockAcquire(node: Self.s1, chunk: 1, mode: .read), .lockAcquire(node: Self.s2, chunk: 1, mode: .write)], into: &inv)
        let b = try #require(found.first)
        #expect(b == Invariants.Breach(.rw, "chunk-1: S2 acquired it to write while S1 held it to read"))
        #expect(!inv[.rw].held && inv[.rw].breaks == 1)
    }

    @Test func rwBreaksForAReaderBesideAWriterAndForTwoWriters() {
        var reader = Invariants()
        #expect(Self.feed([.lockAcquire(node: Self.s1, chunk: 2, mode: .write), .lockAcquire(node: Self.s2, chunk: 2, mode: .read)], into: &reader)
            == [Invariants.Breach(.rw, "chunk-2: S2 acquired it to read while S1 held it to write")])
        var writers = Invariants()
        #expect(Self.feed([.lockAcquire(node: Self.s1, chunk: 1, mode: .write), .lockAcquire(node: Self.s2, chunk: 1, mode: .write)], into: &writers)
            .map(\.name) == ["rw"])
    }

    @Test func exactlyOnceHoldsForOneSubmitPerStudentAndBreaksAtTheSecond() throws {
        var inv = Invariants()
        #expect(Self.feed([Self.submit(Self.s1), Self.submit(Self.s2, server: .backup)], into: &inv).isEmpty)
        #expect(inv[.exactlyOnce] == InvariantStatus(name: "exactly_once", checks: 2))
        let b = try #require(Self.feed([Self.submit(Self.s1, server: .backup)], into: &inv).first)
        #expect(b.name == "exactly_once" && b.detail.contains("S1") && b.detail.contains("backup"))
        #expect(!inv[.exactlyOnce].held && inv[.exactlyOnce].checks == 3)
    }

    @Test func clockBoundHoldsUpToTheLongestRoundTripAndBreaksBeyondIt() {
        var inv = Invariants()
        #expect(Self.feed([Self.sync(after: 40, rtt: 200), Self.sync(after: 200, rtt: 200)], into: &inv).isEmpty)
        #expect(inv[.clockBound].held && inv[.clockBound].checks == 2)
        #expect(Self.feed([Self.sync(after: 201, rtt: 200)], into: &inv)
            == [Invariants.Breach(.clockBound, "round 1: spread after 201 ms exceeds the longest round trip 200 ms")])
        #expect(!inv[.clockBound].held && inv[.clockBound].checks == 3)
    }

    @Test func linesNoInvariantBearsOnAreNotCountedAsChecks() {
        var inv = Invariants()
        _ = Self.feed([.phase(.exam), .warning(student: Self.s1, count: 1), .csRequest(node: Self.s1, ts: 3),
                       .lockRequest(node: Self.s1, chunk: 1, mode: .read), .replicaWrite(replica: 1, chunk: 1, version: 1)], into: &inv)
        #expect(inv.statuses.allSatisfy { $0.checks == 0 })
    }

    @Test func onlyTheFirstBreaksDetailIsKeptAndEveryBreakIsCounted() {
        var inv = Invariants()
        _ = Self.feed([.csEnter(node: Self.s1), .csEnter(node: Self.s2), .csEnter(node: Self.s3)], into: &inv)
        #expect(inv[.mutex].breaks == 2)
        #expect(inv[.mutex].detail == "S2 entered the critical section while S1 was in it")
    }

    @Test func anExtraInvariantANodeReportsIsListedAfterTheFive() {
        var inv = Invariants()
        inv.record(.init(name: "main_slots", detail: "main is processing 4 submissions, more than 3"))
        #expect(inv.statuses.map(\.name) == ["mutex", "rw", "exactly_once", "replicas", "clock_bound", "main_slots"])
        #expect(!inv.statuses[5].held && inv.statuses[5].checks == 0)
        #expect(inv.statuses.prefix(5).allSatisfy { $0.held })
    }

    // MARK: Replicas: the comparison

    static let a = ReplicationCoordinator.CopyInfo(version: 2, sha256: "aaaaaaaaaaaaaaaa")
    static let b = ReplicationCoordinator.CopyInfo(version: 2, sha256: "bbbbbbbbbbbbbbbb")
    static let old = ReplicationCoordinator.CopyInfo(version: 1, sha256: "aaaaaaaaaaaaaaaa")

    static func views(_ held: [ReplicationCoordinator.CopyInfo?], _ metadata: [ReplicationCoordinator.CopyInfo?]) -> [Invariants.CopyView] {
        zip(held, metadata).enumerated().map { Invariants.CopyView(replica: $0.offset + 1, held: $0.element.0, metadata: $0.element.1) }
    }

    @Test func equalCopiesThatMatchTheMetadataAgree() {
        #expect(Invariants.replicaMismatch(chunk: 1, Self.views([Self.a, Self.a, Self.a], [Self.a, Self.a, Self.a])) == nil)
    }

    @Test func copiesThatDifferDisagree() throws {
        let checksum = try #require(Invariants.replicaMismatch(chunk: 1, Self.views([Self.a, Self.b, Self.a], [Self.a, Self.b, Self.a])))
        #expect(checksum.hasPrefix("chunk-1: replica-2 holds v2 sha256 bbbbbbbbbbbb, replica-1 v2 sha256 aaaaaaaaaaaa"))
        let version = try #require(Invariants.replicaMismatch(chunk: 2, Self.views([Self.a, Self.a, Self.old], [Self.a, Self.a, Self.old])))
        #expect(version.contains("replica-3 holds v1"))
    }

    @Test func aMissingCopyDisagrees() {
        #expect(Invariants.replicaMismatch(chunk: 2, Self.views([Self.a, nil, Self.a], [Self.a, Self.a, Self.a])) == "chunk-2: replica-2 holds no copy")
    }

    @Test func equalCopiesTheMetadataDescribesOtherwiseDisagree() throws {
        let stale = try #require(Invariants.replicaMismatch(chunk: 1, Self.views([Self.a, Self.a, Self.a], [Self.a, Self.old, Self.a])))
        #expect(stale == "chunk-1: replica-2 holds v2 sha256 aaaaaaaaaaaa, the metadata says v1 sha256 aaaaaaaaaaaa")
        let undescribed = try #require(Invariants.replicaMismatch(chunk: 1, Self.views([Self.a, Self.a, Self.a], [Self.a, Self.a, nil])))
        #expect(undescribed.hasSuffix("the metadata says nothing"))
    }

    @Test func aReplicasCheckIsCountedAndABreakRecorded() {
        var inv = Invariants()
        #expect(inv.checkReplicas(chunk: 1, Self.views([Self.a, Self.a, Self.a], [Self.a, Self.a, Self.a])).isEmpty)
        #expect(inv[.replicas] == InvariantStatus(name: "replicas", checks: 1))
        #expect(inv.checkReplicas(chunk: 2, Self.views([Self.a, Self.b, Self.a], [Self.a, Self.a, Self.a])).map(\.name) == ["replicas"])
        #expect(!inv[.replicas].held && inv[.replicas].checks == 2)
    }

    // MARK: The console

    static func world(students: Int = 3) -> World {
        World(data: .defaults(), studentCount: students, seed: 1, encodesLog: false)
    }

    static func invariantLines(_ w: World) -> [String] {
        w.kernel.log.recent.compactMap { if case .invariant(let n, let d) = $0.kind { "\(n): \(d)" } else { nil } }
    }

    @Test func theConsoleLogsACheckersBreakOnceAndCountsItBroken() {
        var w = Self.world()
        w.absorb([.logged(.csEnter(node: Self.s1)), .logged(.csEnter(node: Self.s2))], storage: MemoryStorage())
        #expect(Self.invariantLines(w) == ["mutex: S2 entered the critical section while S1 was in it"])
        #expect(w.observers.invariants.broken == Self.invariantLines(w))
        #expect(w.observers.invariants.csHolder == Self.s2)
        let snap = Snapshot(world: w, paused: true, speed: 1)
        #expect(snap.invariants.map(\.name) == ["mutex", "rw", "exactly_once", "replicas", "clock_bound"])
        #expect(snap.invariants[0] == InvariantStatus(name: "mutex", checks: 2, breaks: 1, detail: "S2 entered the critical section while S1 was in it"))
    }

    @Test func aBreakMainLoggedItselfInTheSameBatchIsNotLoggedTwice() {
        var w = Self.world()
        // main logs lock_acquire and its own rw line in one batch; the kernel recorded both.
        w.absorb([.logged(.lockAcquire(node: Self.s1, chunk: 1, mode: .read)), .logged(.lockAcquire(node: Self.s2, chunk: 1, mode: .write)),
                  .invariant(name: "rw", detail: "chunk-1: 1 writer(s) beside 1 reader(s)")], storage: MemoryStorage())
        #expect(Self.invariantLines(w).isEmpty, "the console added no line of its own")
        #expect(w.observers.invariants.broken == ["rw: chunk-1: 1 writer(s) beside 1 reader(s)"])
        #expect(w.observers.invariants.checker[.rw].breaks == 1 && w.observers.invariants.checker[.rw].checks == 2)
    }

    @Test func anExtraInvariantMainReportsLandsInTheStatuses() {
        var w = Self.world()
        w.absorb([.invariant(name: "main_slots", detail: "main is processing 4 submissions, more than 3")], storage: MemoryStorage())
        #expect(w.observers.invariants.broken == ["main_slots: main is processing 4 submissions, more than 3"])
        let status = Snapshot(world: w, paused: true, speed: 1).invariants.last
        #expect(status?.name == "main_slots" && status?.held == false)
    }

    // MARK: Whole runs

    @Test func replicationAndTheDemoCheckTheReplicasAndTheyHold() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 4, seed: 9, encodesLog: false), storage: MemoryStorage())
        sim.run(through: [Phase.sync, .exam, .isa, .replication])
        let afterReplication = sim.world.observers.invariants.checker[.replicas]
        #expect(afterReplication == InvariantStatus(name: "replicas", checks: 2), "both chunks, once replication is done")
        sim.apply(.start(.consistency))
        sim.runUntilQuiet()
        let writes = sim.snapshot().demo.writes
        #expect(writes > 0)
        let replicas = sim.world.observers.invariants.checker[.replicas]
        #expect(replicas.held && replicas.checks == 2 + writes, "once more per completed write")
        #expect(sim.brokenInvariants.isEmpty)
    }

    @Test(arguments: [(1, 1), (2, 2), (3, 5), (4, 8), (5, 12), (11, 30)])
    func inAWalkthroughEveryInvariantIsCheckedAndHolds(seed: UInt64, students n: Int) {
        let (sim, log) = TestLog.run(seed: seed, students: n, resync: true)
        let statuses = sim.snapshot().invariants
        #expect(statuses.map(\.name) == ["mutex", "rw", "exactly_once", "replicas", "clock_bound"])
        for s in statuses {
            #expect(s.checks > 0, "\(s.name) never checked")
            #expect(s.held, "\(s.name): \(s.detail ?? "")")
        }
        let byName = Dictionary(uniqueKeysWithValues: statuses.map { ($0.name, $0.checks) })
        #expect(byName["mutex"] == TestLog.count(log, "cs_enter"))
        #expect(byName["rw"] == TestLog.count(log, "lock_acquire"))
        #expect(byName["exactly_once"] == n)
        #expect(byName["clock_bound"] == 2, "the walkthrough's round and the re-sync")
        let writes = TestLog.of(log, "lock_release").filter { $0["mode"] as? String == "write" }.count
        #expect(byName["replicas"] == 2 + writes)
        #expect(TestLog.count(log, "invariant") == 0)
        #expect(sim.brokenInvariants.isEmpty)
    }
}
