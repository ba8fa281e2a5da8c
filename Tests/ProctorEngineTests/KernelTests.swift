import Testing
@testable import ProctorEngine

@Suite struct KernelTests {
    @Test func eventsRunInTimeOrderAndTiesInScheduleOrder() {
        var q = EventQueue<String>()
        q.schedule("c", at: .milliseconds(5))
        q.schedule("a", at: .milliseconds(1))
        q.schedule("d", at: .milliseconds(5))
        q.schedule("b", at: .milliseconds(2))
        var order: [String] = []
        while let (_, e) = q.popNext() { order.append(e) }
        #expect(order == ["a", "b", "c", "d"])
    }

    @Test func popNextNotAfterStopsAtTheLimit() {
        var q = EventQueue<Int>()
        q.schedule(1, at: .milliseconds(10))
        q.schedule(2, at: .milliseconds(20))
        #expect(q.popNext(notAfter: .milliseconds(15))?.event == 1)
        #expect(q.popNext(notAfter: .milliseconds(15)) == nil)
        #expect(q.count == 1)
    }

    @Test func theSameSeedGivesTheSameSequence() {
        var a = SeededRandom(seed: 7), b = SeededRandom(seed: 7), c = SeededRandom(seed: 8)
        let xa = (0..<20).map { _ in a.next() }
        #expect(xa == (0..<20).map { _ in b.next() })
        #expect(xa != (0..<20).map { _ in c.next() })
    }

    /// Jitter may draw a shorter latency for a later message; FIFO per link still holds.
    @Test func aLinkDeliversInFIFOOrderDespiteJitter() {
        var net = Network(config: .init(latency: .milliseconds(30), jitter: .milliseconds(29)), random: SeededRandom(seed: 3))
        var last = VirtualTime.zero
        var ids: Set<Int> = []
        for i in 0..<500 {
            let (id, arrival, _) = net.transmit(from: .main, to: .student(1), at: .milliseconds(Int64(i)))
            #expect(arrival >= last)
            #expect(arrival > .milliseconds(Int64(i)))
            last = arrival
            ids.insert(id)
        }
        #expect(ids.count == 500, "message ids are unique")
    }

    @Test func latencyStaysWithinItsBounds() {
        var net = Network(config: .init(latency: .milliseconds(30), jitter: .milliseconds(20)), random: SeededRandom(seed: 11))
        for i in 0..<300 {
            let now = VirtualTime.seconds(Int64(i))   // far apart: FIFO never delays
            let (_, arrival, _) = net.transmit(from: .teacher, to: .main, at: now)
            let latency = arrival - now
            #expect(latency >= .milliseconds(10) && latency <= .milliseconds(50))
        }
    }

    @Test func aClockReadsTrueTimePlusSkewDriftAndAdjustment() {
        var c = NodeClock(skew: .milliseconds(2000), driftPPB: 100_000)   // 100 ppm
        #expect(c.reading(at: .zero) == .milliseconds(2000))
        // after 100 s, 100 ppm is 10 ms
        #expect(c.reading(at: .seconds(100)) == .milliseconds(102_010))
        c.adjust(by: .milliseconds(-2010))
        #expect(c.offset(at: .seconds(100)) == .zero)
    }

    @Test func logTimesRoundDownToMilliseconds() {
        #expect(VirtualTime(microseconds: 1_999).milliseconds == 1)
        #expect(VirtualDuration(microseconds: -1).milliseconds == -1)
        #expect(VirtualDuration(microseconds: -1_000).milliseconds == -1)
    }

    @Test func logLinesAreJSONWithTheContractFieldsFirst() throws {
        var out: [UInt8] = []
        let env = Envelope(id: 9, from: .main, to: .student(2), sentAt: .zero, payload: .sync(.adjust(round: 1, delta: .milliseconds(-5))))
        EventLogEncoder.encode(LogEntry(t: .milliseconds(12), kind: .send(env)), into: &out)
        EventLogEncoder.encode(LogEntry(t: .milliseconds(13), kind: .invariant(name: "x", detail: "a \"quoted\"\nline")), into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text == """
            {"t":12,"type":"send","from":"main","to":"student-2","mech":"sync","msg":"ADJUST","id":9,"round":1,"delta_ms":-5}
            {"t":13,"type":"invariant","name":"x","detail":"a \\"quoted\\"\\nline"}

            """)
    }
}

/// A cancelled timer is gone: it is not an event to come, and it never counts as one
/// delivered — so a position in the run means the same live and in a replay.
@Suite struct CancelledTimerTests {
    @Test func aCompletedSyncRoundLeavesNothingPending() {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 3, seed: 4, encodesLog: false))
        sim.apply(.start(.sync))
        var real = 0
        while !sim.completed.contains(.sync) {
            #expect(sim.step())
            real += 1
        }
        #expect(sim.world.kernel.nextEventTime == nil, "the round's cancelled 5 s timeout is not an event to come")
        #expect(!sim.step(), "nothing left to deliver")
        #expect(sim.eventCount == real, "only events that happened count")
        #expect(sim.now < .seconds(2))
    }
}
