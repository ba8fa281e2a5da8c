import Foundation
import Testing
@testable import ProctorEngine

/// A Berkeley round and the replication happen in well under a second of virtual time; live,
/// the runtime paces them one event at a time, so a class at 1× sees each message.
@Suite(.serialized) struct RuntimePacingTests {
    @Test func aSyncRoundAtOneXTakesSecondsNotAFractionOfOne() {
        let config = Simulation.Config(data: .defaults(), studentCount: 3, seed: 9, encodesLog: false)
        let live = Runtime(config: config, speed: 1, eventsFile: nil, resultsPath: nil) {}
        live.start()
        live.send(.start(.sync))
        // Unpaced, the round (12 messages at 80 ± 50 ms a link) ends within half a second.
        usleep(1_000_000)
        let early = live.snapshot
        #expect(early.sync.round == 1, "still in progress after a second of wall time")
        #expect(early.logCount > 2, "but under way")
        #expect(RuntimeSessionTests.eventually(20) { live.snapshot.sync.roundsCompleted == 1 }, "and it ends")
        #expect(live.stop() == nil)
    }
}
