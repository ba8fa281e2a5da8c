import Testing
@testable import ProctorEngine

/// The log while the past is re-executed: its lines are already in the log file, so the
/// encoded bytes are dropped where they are made, never copied out to be thrown away.
@Suite struct StepBackLogTests {
    @Test func discardingEmptiesThePendingBytesAndKeepsTheTotal() {
        var log = EventLog(encodes: true)
        log.append(LogEntry(t: .zero, kind: .phase(.sync)))
        let total = log.encodedTotal
        #expect(total > 0 && log.pendingByteCount == total)
        log.discardEncoded()
        #expect(log.pendingByteCount == 0)
        #expect(log.encodedTotal == total, "where this point ends in the log file does not move")
        log.append(LogEntry(t: .seconds(1), kind: .phase(.exam)))
        let next = log.takeEncoded()
        #expect(String(decoding: next, as: UTF8.self) == "{\"t\":1000,\"type\":\"phase\",\"name\":\"exam\"}\n")
        #expect(log.encodedTotal == total + next.count)
    }

    /// The whole walkthrough of a large class with the log encoded, then many earlier points
    /// and the way forward again: nothing re-executed reaches the log twice, and the run ends
    /// where it had reached. (With the re-executed lines copied out and thrown away, an
    /// optimized build wrote into freed memory here.)
    @Test func aLargeClassSteppedBackAndForthLogsEachLineOnce() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 100, seed: 1, encodesLog: true))
        sim.enableStepBack()
        var bytes: [UInt8] = []
        for phase in Phase.walkthrough {
            sim.run(until: sim.now + Headless.pause)
            sim.apply(.start(phase))
            while sim.step() {}
            bytes += sim.takeEncodedLog()
        }
        let horizon = sim.position, total = sim.log.encodedTotal
        #expect(bytes.count == total)
        var random = SeededRandom(seed: 7)
        for _ in 0..<30 {
            let target = Int.random(in: 0..<horizon, using: &random)
            #expect(sim.stepBack(to: target) || target == sim.position)
            #expect(sim.position == target)
        }
        sim.stepBack(to: horizon - 600)
        while sim.isInPast, sim.step() {}
        #expect(sim.position == horizon)
        #expect(sim.log.encodedTotal == total)
        #expect(sim.takeEncodedLog().isEmpty, "the events gone through again are not logged twice")
    }
}
