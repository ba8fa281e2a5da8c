import Testing
@testable import ProctorEngine

/// The Berkeley daemon driven by hand, input by input, the way the protocol is specified.
@Suite struct BerkeleyDaemonTests {
    let tolerance = VirtualDuration.milliseconds(4000)

    func ms(_ v: Int64) -> VirtualTime { .milliseconds(v) }

    @Test func startingARoundSendsOneRequestToEveryParticipant() {
        var d = BerkeleyDaemon(config: .init(tolerance: tolerance))
        let actions = d.startRound(participants: [.teacher, .student(1), .student(2)], localNow: ms(1000))
        #expect(actions == [
            .send(.timeRequest(round: 1), to: .teacher),
            .send(.timeRequest(round: 1), to: .student(1)),
            .send(.timeRequest(round: 1), to: .student(2)),
        ])
        #expect(d.isPolling)
    }

    @Test func nothingHappensUntilTheLastReplyArrives() {
        var d = BerkeleyDaemon(config: .init(tolerance: tolerance))
        _ = d.startRound(participants: [.teacher, .student(1)], localNow: ms(1000))
        #expect(d.received(.timeReply(round: 1, local: ms(3000)), from: .teacher, localNow: ms(1040)).isEmpty)
        let done = d.received(.timeReply(round: 1, local: ms(0)), from: .student(1), localNow: ms(1060))
        #expect(!done.isEmpty)
        #expect(!d.isPolling)
    }

    /// Offsets are estimated as reply + rtt/2 − receipt; the average of the daemon (0) and the
    /// two participants is sent back as each node's own correction.
    @Test func offsetsUseHalfTheRoundTripAndAdjustmentsBringEveryoneToTheAverage() throws {
        var d = BerkeleyDaemon(config: .init(tolerance: tolerance))
        _ = d.startRound(participants: [.teacher, .student(1)], localNow: ms(1000))
        // teacher: rtt 40 ms, reply 3020 → offset 3020 + 20 − 1040 = +2000 ms
        _ = d.received(.timeReply(round: 1, local: ms(3020)), from: .teacher, localNow: ms(1040))
        // student-1: rtt 60 ms, reply 30 → offset 30 + 30 − 1060 = −1000 ms
        let actions = d.received(.timeReply(round: 1, local: ms(30)), from: .student(1), localNow: ms(1060))
        guard case .roundComputed(let round)? = actions.first else { Issue.record("no round"); return }
        #expect(round.estimates.map(\.offset) == [.milliseconds(2000), .milliseconds(-1000)])
        #expect(round.estimates.map(\.roundTrip) == [.milliseconds(40), .milliseconds(60)])
        // average of {0, +2000, −1000} = +333.333 ms
        let avg = VirtualDuration(microseconds: 333_333)
        #expect(round.average == avg)
        #expect(actions.contains(.adjustOwnClock(by: avg)))
        #expect(actions.contains(.send(.adjust(round: 1, delta: avg - .milliseconds(2000)), to: .teacher)))
        #expect(actions.contains(.send(.adjust(round: 1, delta: avg + .milliseconds(1000)), to: .student(1))))
        #expect(round.maxRoundTrip == .milliseconds(60))
    }

    /// An outlier beyond the tolerance of the median is corrected but does not pull the average.
    @Test func anOutlierIsCorrectedButNotAveraged() {
        var d = BerkeleyDaemon(config: .init(tolerance: .milliseconds(500)))
        _ = d.startRound(participants: [.teacher, .student(1), .student(2)], localNow: ms(0))
        // rtt 0 for simplicity: offsets are reply − receipt.
        _ = d.received(.timeReply(round: 1, local: ms(100)), from: .teacher, localNow: ms(0))
        _ = d.received(.timeReply(round: 1, local: ms(-100)), from: .student(1), localNow: ms(0))
        let actions = d.received(.timeReply(round: 1, local: ms(60_000)), from: .student(2), localNow: ms(0))
        guard case .roundComputed(let round)? = actions.first else { Issue.record("no round"); return }
        #expect(round.estimates.map(\.averaged) == [true, true, false])
        #expect(round.average == .zero)   // (0 + 100 − 100) / 3
        #expect(actions.contains(.send(.adjust(round: 1, delta: .milliseconds(-60_000)), to: .student(2))))
    }

    @Test func duplicateStaleAndStrangerRepliesAreIgnored() {
        var d = BerkeleyDaemon(config: .init(tolerance: tolerance))
        _ = d.startRound(participants: [.teacher, .student(1)], localNow: ms(0))
        #expect(d.received(.timeReply(round: 1, local: ms(5)), from: .teacher, localNow: ms(10)).isEmpty)
        #expect(d.received(.timeReply(round: 1, local: ms(9)), from: .teacher, localNow: ms(12)).isEmpty, "duplicate")
        #expect(d.received(.timeReply(round: 7, local: ms(9)), from: .student(1), localNow: ms(12)).isEmpty, "stale round")
        #expect(d.received(.timeReply(round: 1, local: ms(9)), from: .student(9), localNow: ms(12)).isEmpty, "stranger")
        #expect(d.isPolling)
        #expect(!d.received(.timeReply(round: 1, local: ms(9)), from: .student(1), localNow: ms(12)).isEmpty)
    }

    @Test func eachRoundHasItsOwnNumber() {
        var d = BerkeleyDaemon(config: .init(tolerance: tolerance))
        _ = d.startRound(participants: [.teacher], localNow: ms(0))
        _ = d.received(.timeReply(round: 1, local: ms(0)), from: .teacher, localNow: ms(0))
        let second = d.startRound(participants: [.teacher], localNow: ms(100))
        #expect(second == [.send(.timeRequest(round: 2), to: .teacher)])
    }

    @Test func theClientRepliesWithItsClockAndAppliesAdjustments() {
        #expect(BerkeleyClient.received(.timeRequest(round: 3), localNow: ms(42)) == .reply(.timeReply(round: 3, local: ms(42))))
        #expect(BerkeleyClient.received(.adjust(round: 3, delta: .milliseconds(-5)), localNow: ms(0)) == .adjustClock(by: .milliseconds(-5)))
    }
}
