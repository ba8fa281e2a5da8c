import Foundation
import Testing
@testable import ProctorEngine

/// Every mechanism sends the fewest messages its protocol needs for what the run did. A
/// resend, a duplicate answered twice or an extra round trip makes these fail.
@Suite struct MessageFloorTests {
    @Test(arguments: [(1, 1), (2, 2), (3, 5), (4, 5), (5, 12), (6, 30)])
    func everyMechanismIsAtItsFloor(seed: UInt64, students n: Int) {
        let (sim, log) = TestLog.run(seed: seed, students: n)
        for f in sim.messageFloors {
            #expect(f.sent == f.floor, "\(f.mechanism): \(f.sent) sent, floor \(f.floor) = \(f.formula)")
            #expect(f.sent == TestLog.sends(log, f.mechanism.rawValue).count, "the log shows every message")
        }

        // The same floors, from the log alone.
        // Berkeley: REQUEST, REPLY, ADJUST per polled node (the teacher and every student).
        #expect(TestLog.sends(log, "sync").count == 3 * (n + 1) * TestLog.count(log, "sync_result"))
        // Ricart–Agrawala: 2(N−1) per entry to the critical section.
        #expect(TestLog.sends(log, "ra").count == 2 * (n - 1) * TestLog.count(log, "cs_enter"))
        #expect(TestLog.count(log, "cs_enter") == n)
        // Exam: one SUBMIT and one ACK per student, one FORWARD per redirect, one FLAG per
        // warning (applied or dropped), each question sent to a student at most once and
        // answered (or timed out) at most once.
        let submits = TestLog.sends(log, "exam", "SUBMIT")
        #expect(submits.count == n && Set(submits.map { $0["from"] as! String }).count == n)
        #expect(TestLog.sends(log, "exam", "ACK").count == n)
        #expect(TestLog.sends(log, "exam", "FORWARD").count == TestLog.count(log, "redirect"))
        #expect(TestLog.sends(log, "exam", "FLAG").count == TestLog.count(log, "warning") + TestLog.count(log, "flag_dropped"))
        for kind in ["QUESTION", "ANSWER", "TIMEOUT"] {
            let pairs = TestLog.sends(log, "exam", kind).map { "\($0["from"]!)→\($0["to"]!) q\($0["q"]!)" }
            #expect(pairs.count == Set(pairs).count, "no \(kind) sent twice")
        }
        let questions = TestLog.sends(log, "exam", "QUESTION").count
        let replies = TestLog.sends(log, "exam", "ANSWER").count + TestLog.sends(log, "exam", "TIMEOUT").count
        #expect(replies <= questions && questions <= 10 * n)
        // Replication: STORE and STORED per copy; READ and VALUE per read; WRITE and WRITTEN
        // per replica per write. Locks: LOCK, GRANT, UNLOCK per hold.
        let reads = TestLog.of(log, "lock_acquire").filter { $0["mode"] as? String == "read" }.count
        let writes = TestLog.of(log, "lock_acquire").filter { $0["mode"] as? String == "write" }.count
        let stored = TestLog.of(log, "replica_write").filter { $0["roll"] == nil }.count
        #expect(stored == 6)
        #expect(TestLog.sends(log, "replica").count == 2 * stored + 2 * reads + 2 * 3 * writes)
        #expect(TestLog.sends(log, "lock").count == 3 * (reads + writes))
    }

    @Test func aResendIsCountedAboveTheFloor() {
        // The floor is not the count restated: a retransmit timer shorter than grading makes
        // the exam resend, and the report says so.
        var data = ExamData.defaults()
        data.scenario.retransmit = .seconds(5)
        let (sim, _) = TestLog.run(seed: 5, students: 12, data: data)
        let exam = sim.messageFloors.first { $0.mechanism == .exam }!
        #expect(exam.sent > exam.floor)
        #expect(Headless.summary(of: sim).contains { $0.contains("exam") && $0.contains("above") })
    }
}
