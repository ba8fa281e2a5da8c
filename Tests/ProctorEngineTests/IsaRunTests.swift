import Foundation
import Testing
@testable import ProctorEngine

/// ISA marks under Ricart–Agrawala, checked from the event log.
@Suite struct IsaRunTests {
    @Test(arguments: [(1, 2), (2, 3), (3, 5), (4, 8), (5, 13), (6, 21), (7, 50), (8, 1)])
    func safetyLivenessOrderAndMessageCount(seed: UInt64, students n: Int) {
        let (sim, log) = TestLog.run(seed: seed, students: n)
        let requests = TestLog.of(log, "cs_request"), enters = TestLog.of(log, "cs_enter"), exits = TestLog.of(log, "cs_exit")
        // Liveness: everyone, a terminated student too, requests, enters and leaves once.
        let everyone = Set((1...n).map { "student-\($0)" })
        #expect(Set(requests.map { $0["node"] as! String }) == everyone && requests.count == n)
        #expect(Set(enters.map { $0["node"] as! String }) == everyone && enters.count == n)
        #expect(exits.count == n)
        // Safety: [enter, exit] intervals never overlap — walk the log in order.
        var inside: String?
        for e in log {
            switch e["type"] as? String {
            case "cs_enter":
                #expect(inside == nil, "\(e["node"]!) entered while \(inside ?? "") was inside")
                inside = e["node"] as? String
            case "cs_exit":
                #expect(inside == e["node"] as? String)
                inside = nil
            default: break
            }
        }
        // Entries follow (ts, id) order.
        let order = requests.sorted {
            (int($0, "ts"), Int(($0["node"] as! String).dropFirst(8))!) < (int($1, "ts"), Int(($1["node"] as! String).dropFirst(8))!)
        }.map { $0["node"] as! String }
        #expect(enters.map { $0["node"] as! String } == order)
        // Exactly 2(N−1) messages per entry: N(N−1) REQUESTs and N(N−1) REPLYs.
        let ra = TestLog.sends(log, "ra")
        #expect(ra.filter { $0["msg"] as? String == "REQUEST" }.count == n * (n - 1))
        #expect(ra.filter { $0["msg"] as? String == "REPLY" }.count == n * (n - 1))
        // Every mark (or null after a timeout with nothing typed) is in the results — unless
        // the student wrote a new one in the consistency demo later.
        let demoWrites = TestLog.of(log, "replica_write").filter { $0["roll"] != nil }
        for x in exits {
            let k = Int((x["node"] as! String).dropFirst(8))!
            let rewritten = demoWrites.last { int($0, "roll") == sim.students[k - 1].roll }
            #expect(sim.results[k - 1].isa == (rewritten.map { $0["isa"] as? Int } ?? x["isa"] as? Int))
            if x["reason"] as? String == "done" { #expect(x["isa"] as? Int != nil) }
        }
        #expect(sim.completed.contains(.isa))
        #expect(sim.brokenInvariants.isEmpty)
    }

    static func isaReady(students: Int = 3, seed: UInt64 = 5, operate: Int) -> Simulation {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: students, seed: seed, encodesLog: true))
        sim.apply(.start(.sync))
        sim.runUntilQuiet()
        sim.apply(.start(.exam))
        sim.runUntilQuiet()
        sim.apply(.toggleTakeover(student: operate))
        sim.apply(.start(.isa))
        return sim
    }

    @Test func aHoldTimeoutRecordsWhatWasTypedAndALateEntryIsRefused() throws {
        let sim = Self.isaReady(operate: 2)
        // Let the others finish first, then ask for the marksheet and type one digit only.
        sim.runUntilQuiet()
        sim.apply(.requestMarksheet(student: 2))
        while case .waiting = sim.snapshot().isa.status[1] { #expect(sim.step()) }
        guard case .inCS = sim.snapshot().isa.status[1] else { Issue.record("S2 did not enter"); return }
        sim.apply(.isaKey(student: 2, .digit(1)))
        sim.runUntilQuiet()   // the hold timeout fires
        #expect(sim.snapshot().isa.status[1] == .done(isa: 1, reason: .timeout))
        #expect(sim.results[1].isa == 1)
        sim.apply(.isaKey(student: 2, .digit(7)))
        sim.apply(.isaKey(student: 2, .enter))
        #expect(sim.notice?.text.contains("refused") == true)
        sim.apply(.requestMarksheet(student: 2))
        #expect(sim.results[1].isa == 1, "never written twice")
        let log = String(decoding: sim.takeEncodedLog(), as: UTF8.self)
        #expect(log.components(separatedBy: "\"type\":\"cs_exit\",\"node\":\"student-2\"").count == 2, "one exit for S2")
        #expect(log.contains("\"type\":\"isa_refused\""))
    }

    @Test func aTimeoutWithNothingTypedRecordsNull() {
        let sim = Self.isaReady(operate: 1)
        sim.apply(.requestMarksheet(student: 1))
        sim.runUntilQuiet()
        #expect(sim.snapshot().isa.status[0] == .done(isa: nil, reason: .timeout))
        #expect(sim.results[0].isa == nil)
        #expect(String(decoding: sim.takeEncodedLog(), as: UTF8.self).contains("\"node\":\"student-1\",\"isa\":null,\"reason\":\"timeout\""))
    }

    @Test func theOperatorTypesAMarkAtThePrompt() {
        let sim = Self.isaReady(operate: 3)
        sim.apply(.requestMarksheet(student: 3))
        while case .waiting = sim.snapshot().isa.status[2] { sim.step() }
        for key in [IsaKey.digit(1), .digit(9), .backspace, .digit(8), .enter] { sim.apply(.isaKey(student: 3, key)) }
        #expect(sim.snapshot().isa.status[2] == .done(isa: 18, reason: .done))
        // The mark reaches main's marksheet in a MARK message.
        #expect(sim.results[2].isa == nil)
        sim.run(until: sim.now + .seconds(1))
        #expect(sim.results[2].isa == 18)
    }

    @Test func theISAPhaseWaitsForTheExam() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 1, encodesLog: false))
        sim.apply(.start(.isa))
        #expect(sim.notice?.text.contains("after the exam") == true)
        #expect(sim.snapshot().isa.startedAt == nil)
    }

    /// Paused, `.` delivers exactly one message.
    @Test func aSingleStepDeliversExactlyOneMessage() {
        let sim = Self.isaReady(students: 4, operate: 1)
        var steps = 0
        while !sim.completed.contains(.isa) && steps < 10_000 {
            let before = sim.log.count
            guard sim.stepMessage() else { break }
            let new = Array(sim.log.recent.suffix(sim.log.count - before))
            let recvs = new.filter { if case .recv = $0.kind { true } else { false } }.count
            #expect(recvs == 1, "one message per step, got \(recvs)")
            steps += 1
        }
        #expect(steps > 0)
    }
}
