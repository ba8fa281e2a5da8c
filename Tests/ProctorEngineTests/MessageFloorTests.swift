import Foundation
import Testing
@testable import ProctorEngine

/// Every mechanism sends the fewest messages its protocol needs for what the run did. A
/// resend, a duplicate answered twice or an extra round trip makes these fail.
@Suite struct MessageFloorTests {
    static func sends(_ log: [[String: Any]], _ mech: String, _ msg: String? = nil) -> [[String: Any]] {
        log.filter { $0["type"] as? String == "send" && $0["mech"] as? String == mech && (msg == nil || $0["msg"] as? String == msg) }
    }

    static func count(_ log: [[String: Any]], _ type: String) -> Int { log.filter { $0["type"] as? String == type }.count }

    @Test(arguments: [(1, 1), (2, 2), (3, 5), (4, 5), (5, 12), (6, 30)])
    func everyMechanismIsAtItsFloor(seed: UInt64, students n: Int) {
        let (sim, log) = SimulationTests.run(seed: seed, students: n)
        for f in sim.messageFloors {
            #expect(f.sent == f.floor, "\(f.mechanism): \(f.sent) sent, floor \(f.floor) = \(f.formula)")
            #expect(f.sent == Self.sends(log, f.mechanism.rawValue).count, "the log shows every message")
        }

        // The same floors, from the log alone.
        // Berkeley: REQUEST, REPLY, ADJUST per polled node (the teacher and every student).
        #expect(Self.sends(log, "sync").count == 3 * (n + 1) * Self.count(log, "sync_result"))
        // Ricart–Agrawala: 2(N−1) per entry to the critical section.
        #expect(Self.sends(log, "ra").count == 2 * (n - 1) * Self.count(log, "cs_enter"))
        #expect(Self.count(log, "cs_enter") == n)
        // Exam: one SUBMIT and one ACK per student, one FORWARD per redirect, one FLAG per
        // warning (applied or dropped), each question sent to a student at most once and
        // answered (or timed out) at most once.
        let submits = Self.sends(log, "exam", "SUBMIT")
        #expect(submits.count == n && Set(submits.map { $0["from"] as! String }).count == n)
        #expect(Self.sends(log, "exam", "ACK").count == n)
        #expect(Self.sends(log, "exam", "FORWARD").count == Self.count(log, "redirect"))
        #expect(Self.sends(log, "exam", "FLAG").count == Self.count(log, "warning") + Self.count(log, "flag_dropped"))
        for kind in ["QUESTION", "ANSWER", "TIMEOUT"] {
            let pairs = Self.sends(log, "exam", kind).map { "\($0["from"]!)→\($0["to"]!) q\($0["q"]!)" }
            #expect(pairs.count == Set(pairs).count, "no \(kind) sent twice")
        }
        let questions = Self.sends(log, "exam", "QUESTION").count
        let replies = Self.sends(log, "exam", "ANSWER").count + Self.sends(log, "exam", "TIMEOUT").count
        #expect(replies <= questions && questions <= 10 * n)
        // Replication: STORE and STORED per copy; READ and VALUE per read; WRITE and WRITTEN
        // per replica per write. Locks: LOCK, GRANT, UNLOCK per hold.
        let reads = log.filter { $0["type"] as? String == "lock_acquire" && $0["mode"] as? String == "read" }.count
        let writes = log.filter { $0["type"] as? String == "lock_acquire" && $0["mode"] as? String == "write" }.count
        let stored = log.filter { $0["type"] as? String == "replica_write" && $0["roll"] == nil }.count
        #expect(stored == 6)
        #expect(Self.sends(log, "replica").count == 2 * stored + 2 * reads + 2 * 3 * writes)
        #expect(Self.sends(log, "lock").count == 3 * (reads + writes))
    }

    @Test func aResendIsCountedAboveTheFloor() {
        // The floor is not the count restated: a retransmit timer shorter than grading makes
        // the exam resend, and the report says so.
        var data = ExamData.defaults()
        data.scenario.retransmit = .seconds(5)
        let (sim, _) = SimulationTests.run(seed: 5, students: 12, data: data)
        let exam = sim.messageFloors.first { $0.mechanism == .exam }!
        #expect(exam.sent > exam.floor)
        #expect(Headless.summary(of: sim).contains { $0.contains("exam") && $0.contains("above") })
    }
}
