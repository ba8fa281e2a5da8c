import Foundation
import Testing
@testable import ProctorEngine

/// The consistency demo, checked from the event log.
@Suite struct ConsistencyRunTests {
    @Test(arguments: [(1, 2), (2, 5), (3, 5), (4, 8), (5, 12), (6, 20), (7, 3)])
    func locksAreSafeFairAndWritesReachEveryReplica(seed: UInt64, students n: Int) {
        let (sim, log) = TestLog.run(seed: seed, students: n)
        // Walk the log: per chunk, the holders at each moment.
        var holders: [Int: [String: String]] = [1: [:], 2: [:]]
        var requested: [Int: [String]] = [1: [], 2: []], acquired: [Int: [String]] = [1: [], 2: []]
        for e in log {
            switch e["type"] as? String {
            case "lock_request":
                requested[int(e, "chunk")]!.append(e["node"] as! String)
            case "lock_acquire":
                let c = int(e, "chunk"), node = e["node"] as! String, mode = e["mode"] as! String
                holders[c]![node] = mode
                acquired[c]!.append(node)
                let modes = Array(holders[c]!.values)
                let current = holders[c]!
                #expect(!modes.contains("write") || modes.count == 1, "chunk-\(c): a writer beside someone: \(current)")
            case "lock_release":
                holders[int(e, "chunk")]![e["node"] as! String] = nil
            default: break
            }
        }
        #expect(requested == acquired, "grants in arrival order")
        let allFree = holders.values.allSatisfy { $0.isEmpty }
        #expect(allFree, "every lock released")
        // Each write: all 3 replicas at the new version, with the writer's roll and mark, while
        // the writer holds the lock; versions rise by 1 per write.
        let writes = TestLog.of(log, "replica_write").filter { $0["roll"] != nil }
        let grouped = Dictionary(grouping: writes) { "\(int($0, "chunk"))-\(int($0, "version"))" }
        for (_, copies) in grouped {
            #expect(Set(copies.map { int($0, "replica") }) == [1, 2, 3])
            #expect(Set(copies.map { "\(int($0, "roll"))=\(String(describing: $0["isa"]))" }).count == 1)
        }
        for c in 1...2 {
            let versions = Set(writes.filter { int($0, "chunk") == c }.map { int($0, "version") }).sorted()
            #expect(versions == Array(2..<(2 + versions.count)))
            #expect(sim.snapshot().demo.versions[c - 1] == 1 + versions.count)
        }
        // Replicas equal each other and the results after the last write.
        for c in 0..<2 {
            let copies = (0..<3).map { sim.snapshot().replication.copies[$0][c]! }
            #expect(copies.allSatisfy { $0 == copies[0] })
            let members = Array(sim.results[(c == 0 ? 0..<(n + 1) / 2 : (n + 1) / 2..<n)])
            #expect(copies[0].rows == members)
        }
        #expect(TestLog.of(log, "demo_choice").filter { $0["choice"] as? String == "exit" }.count == n)
        #expect(log.last?["type"] as? String == "phase" && log.last?["name"] as? String == "done")
        #expect(sim.brokenInvariants.isEmpty)
    }

    @Test func anOperatorReadsAndWritesItsOwnRow() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 4, seed: 2, encodesLog: false))
        sim.run(through: [Phase.sync, .exam, .isa, .replication])
        sim.apply(.toggleTakeover(student: 3))
        sim.apply(.start(.consistency))
        sim.apply(.demo(student: 3, .write))
        for key in [DemoKey.digit(1), .digit(9), .enter] { sim.apply(.demo(student: 3, key)) }
        while sim.snapshot().demo.activity[2] != .choosing { #expect(sim.step()) }
        // Written everywhere; main commits it to the marksheet when the UNLOCK arrives.
        #expect(sim.snapshot().demo.locks[1].holders.contains { $0.node == 3 && $0.mode == .write })
        sim.run(until: sim.now + .seconds(1))
        #expect(sim.results[2].isa == 19)
        #expect((0..<3).allSatisfy { r in sim.snapshot().replication.copies[r][1]!.rows.first { $0.roll == sim.students[2].roll }!.isa == 19 })
        sim.apply(.demo(student: 3, .read))
        var read: Int?
        while read == nil, sim.step() {
            if case .reading(_, .some(let v), _) = sim.snapshot().demo.activity[2] { read = v }
        }
        #expect(read == 19, "the read returns the mark just written")
        sim.runUntilQuiet()
        sim.apply(.demo(student: 3, .exit))
        sim.runUntilQuiet()
        #expect(sim.completed.contains(.consistency))
        #expect(sim.phase == .done)
    }

    @Test func theDemoWaitsForTheReplicas() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 1, encodesLog: false))
        sim.apply(.start(.consistency))
        #expect(sim.notice?.text.contains("start the exam first (2)") == true, "the first step missing")
        sim.run(through: [Phase.exam, .isa])
        sim.apply(.start(.consistency))
        #expect(sim.notice?.text.contains("start the replicas first (4)") == true)
        #expect(sim.snapshot().demo.startedAt == nil)
    }
}
