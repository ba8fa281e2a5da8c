import Foundation
import Testing
@testable import ProctorEngine

/// Whole exams, checked from the event log alone, the way an independent checker reads it.
@Suite struct ExamRunTests {
    @Test(arguments: [(1, 2), (2, 5), (3, 5), (4, 8), (5, 12), (6, 30), (7, 1)])
    func everyRuleHoldsInTheLog(seed: UInt64, students: Int) {
        let (sim, log) = TestLog.run(seed: seed, students: students)
        let submits = TestLog.of(log, "submit")
        // Each student recorded exactly once.
        #expect(submits.map { $0["student"] as! String }.sorted() == (1...students).map { "student-\($0)" }.sorted())
        for s in submits {
            let student = s["student"] as! String
            let warnings = TestLog.of(log, "warning").filter { $0["student"] as! String == student }
            let raw = int(s, "raw"), final = int(s, "final")
            #expect(raw % 10 == 0 && (0...100).contains(raw))
            switch s["reason"] as! String {
            case "terminated":
                #expect(final == 0 && warnings.count == 2)
            default:
                #expect(warnings.count < 2)
                #expect(final == (warnings.isEmpty ? raw : raw / 2), "\(student): raw \(raw), \(warnings.count) warnings, final \(final)")
            }
            #expect(int(s, "arrived") <= int(s, "started") && int(s, "started") <= int(s, "t"))
            // No warning is applied after the student's submission left.
            for w in warnings { #expect(int(w, "t") <= int(s, "arrived")) }
        }
        // Main never processes more than 3 at once: sweep the [started, t) intervals.
        let mainIntervals = submits.filter { $0["server"] as! String == "main" }.map { (int($0, "started"), int($0, "t")) }
        for (start, _) in mainIntervals {
            #expect(mainIntervals.filter { $0.0 <= start && start < $0.1 }.count <= 3)
        }
        // The backup only gets what main refused while full.
        let redirects = TestLog.of(log, "redirect")
        for s in submits where s["server"] as! String == "backup" {
            let r = redirects.first { $0["student"] as! String == s["student"] as! String }
            #expect(r != nil, "backup recorded \(s["student"]!) without a redirect")
            if let r {
                #expect(int(r, "busy") == 3)
                let t = int(r, "t")
                #expect(mainIntervals.filter { $0.0 <= t && t <= $0.1 }.count == 3, "main was full when it refused")
            }
        }
        #expect(redirects.count == submits.filter { $0["server"] as! String == "backup" }.count)
        #expect(sim.brokenInvariants.isEmpty)
        #expect(sim.completed.contains(.exam))
        // The results store agrees with the log.
        for s in submits {
            let k = Int((s["student"] as! String).dropFirst("student-".count))!
            let row = sim.results[k - 1]
            #expect(row.roll == int(s, "roll") && row.mcq == int(s, "raw") && row.final == int(s, "final"))
            #expect(row.server?.description == s["server"] as? String)
            #expect(row.status == (s["reason"] as! String == "terminated" ? .terminated : .submitted))
            // The student's own screen learned the same outcome from its ACK.
            let rec = sim.snapshot().exam.records[k - 1]!
            #expect(sim.snapshot().exam.sessions[k - 1].state == .recorded(rec.reason, server: rec.server, final: rec.final))
        }
    }

    @Test func theEndOfExamBurstOverflowsToTheBackupInALargerClass() {
        let (sim, log) = TestLog.run(seed: 11, students: 12)
        #expect(!TestLog.of(log, "redirect").isEmpty)
        #expect(sim.world.cluster.main.volatile.router.peakMainBusy == 3)
        #expect(sim.snapshot().servers.handledByBackup > 0)
    }

    @Test func resentSubmissionsAreAcknowledgedButRecordedOnce() {
        // With a retransmit timer shorter than grading (6–12 s), many submissions are sent
        // again before their ACK: each must still be recorded once.
        var data = ExamData.defaults()
        data.scenario.retransmit = .seconds(5)
        var resent = 0
        for seed in 1...6 {
            let (_, log) = TestLog.run(seed: UInt64(seed), students: 8, data: data)
            let sends = TestLog.sends(log, "exam", "SUBMIT")
            resent += sends.count - Set(sends.map { $0["from"] as! String }).count
            #expect(TestLog.of(log, "submit").count == 8)
        }
        #expect(resent > 0, "the duplicate path was exercised")
    }

    @Test func countdownsRunOnEachStudentsClock() {
        // Without sync, a student whose clock runs ahead sees its deadline sooner: the
        // question expires earlier in true time than for a student whose clock lags.
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 3, encodesLog: false))
        sim.apply(.start(.exam))
        #expect(sim.notice?.text.contains("WITHOUT clock sync") == true)
        let offsets = (1...5).map { sim.snapshot().clockRow(ofStudent: $0).offset }
        let ahead = offsets.indices.max { offsets[$0] < offsets[$1] }! + 1
        let behind = offsets.indices.min { offsets[$0] < offsets[$1] }! + 1
        for k in 1...5 { sim.apply(.toggleTakeover(student: k)) }   // nobody answers
        var expiredAt: [Int: VirtualTime] = [:]
        while sim.step() {
            for k in [ahead, behind] where expiredAt[k] == nil && sim.snapshot().exam.sessions[k - 1].expired[0] { expiredAt[k] = sim.now }
            if expiredAt.count == 2 { break }
        }
        let gap = expiredAt[behind]! - expiredAt[ahead]!
        let skew = offsets[ahead - 1] - offsets[behind - 1]
        #expect((gap - skew).magnitude < .milliseconds(5), "expiry times differ by the clock skew")
    }

    @Test func anOperatorPlaysAStudentFromTheKeyboard() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 8, encodesLog: false))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        sim.apply(.answer(student: 2, choice: 1))
        #expect(sim.notice?.text.contains("take over") == true)
        sim.apply(.toggleTakeover(student: 2))
        sim.apply(.start(.exam))
        sim.run(until: sim.now + .seconds(1))
        let right = sim.snapshot().exam.questions[0].answer
        sim.apply(.answer(student: 2, choice: right))
        #expect(sim.snapshot().exam.sessions[1].answers[0] == right)
        sim.apply(.submitExam(student: 2))
        #expect(sim.snapshot().exam.sessions[1].submitReason == .manual)
        sim.runUntilQuiet()
        let rec = try! #require(sim.snapshot().exam.records[1])
        #expect(rec.reason == .manual && rec.raw == 10)
        sim.apply(.submitExam(student: 2))
        #expect(sim.notice?.text.contains("already submitted") == true)
    }
}

/// A faulty network that delivers some messages twice: every receiver must cope.
@Suite struct DuplicateDeliveryTests {
    static let data = {
        var data = ExamData.defaults()
        data.scenario.network.duplicateRate = 0.25
        return data
    }()

    @Test(arguments: 1...10)
    func duplicatesAreLoggedAndChangeNothing(seed: UInt64) {
        let (sim, log) = TestLog.run(seed: seed, students: 8, data: Self.data)
        let dups = TestLog.of(log, "recv").filter { $0["dup"] as? Bool == true }
        #expect(!dups.isEmpty)
        for d in dups {
            // A duplicate is a second recv of an id already received.
            let firsts = TestLog.of(log, "recv").filter { int($0, "id") == int(d, "id") && $0["dup"] == nil }
            #expect(firsts.count == 1)
        }
        let submits = TestLog.of(log, "submit")
        #expect(submits.count == 8 && Set(submits.map { $0["student"] as! String }).count == 8, "each student recorded exactly once")
        for s in submits {
            let student = s["student"] as! String
            let warnings = TestLog.of(log, "warning").filter { $0["student"] as! String == student }
            #expect(warnings.map { int($0, "count") } == Array(1..<(warnings.count + 1)), "no flag counted twice")
        }
        let adjusts = TestLog.of(log, "clock_adjust")
        #expect(adjusts.count == 10, "one adjustment per clock despite duplicated ADJUSTs")
        let result = TestLog.of(log, "sync_result").first!
        #expect(int(result, "spread_after_ms") <= int(result, "max_rtt_ms"))
        #expect(sim.brokenInvariants.isEmpty)
    }
}

/// The final burst as a class sees it: most students wait for the last countdown, so they
/// submit together and main's 3 slots overflow to the backup in nearly every default run.
@Suite struct FinalBurstTests {
    @Test func theBackupTakesOverflowInAtLeastNineOfTenDefaultRuns() {
        var overflowed = 0, timeouts = 0, manual = 0
        for seed in UInt64(1)...100 {
            let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: seed, encodesLog: false))
            sim.run(through: [Phase.sync, .exam])
            #expect(sim.completed.contains(.exam))
            let router = sim.world.cluster.main.volatile.router
            if router.redirects > 0 { overflowed += 1 }
            let recs = sim.world.cluster.main.durable.records.compactMap { $0 }
            timeouts += recs.filter { $0.reason == .timeout }.count
            manual += recs.filter { $0.reason == .manual }.count
        }
        #expect(overflowed >= 90, "\(overflowed) of 100 default runs overflowed to the backup (97 when this was written)")
        #expect(timeouts > manual * 3, "most submit when the last countdown ends (\(timeouts) timeout, \(manual) manual)")
        #expect(manual > 0, "a few press submit early")
    }
}
