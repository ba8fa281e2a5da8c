import Testing
@testable import ProctorEngine

/// The guided tour's moments, found event by event in the default walkthrough as the
/// runtime finds them: each once, in the walkthrough's order, each explained with its own
/// numbers.
@Suite struct TourTests {
    /// Seed 4, the tour's default, has every moment.
    @Test func theDefaultWalkthroughStopsAtEachTeachingMomentInOrder() throws {
        let sim = Simulation(config: .init(data: .defaults(), studentCount: 5, seed: 4, encodesLog: false))
        var tour = Tour()
        var found: [(Tour.Moment, String)] = []
        func look(_ before: Int) {
            let new = sim.log.count - before
            guard new > 0 else { return }
            if let (m, text, pane) = tour.moment(after: ArraySlice(sim.log.recent.suffix(new)), in: sim.world) {
                _ = tour.stop(m, text: text, pane: pane, position: sim.position)
                found.append((m, text))
            }
        }
        for p in Phase.walkthrough + [.done] {
            let before = sim.log.count
            sim.apply(.start(p))
            look(before)
            while true {
                let before = sim.log.count
                guard sim.step() else { break }
                look(before)
            }
        }
        let order = found.map(\.0)
        #expect(order == [.firstReply, .syncAverage, .firstExpiry, .firstWarning, .firstRedirect, .firstDeferral, .holdTimeout, .firstStore,
                          .sharedRead, .writeWaitsForReaders, .end], "\(order)")
        #expect(Set(order).count == order.count, "each moment once")
        // Each explanation carries the run's own numbers.
        let result = try #require(sim.world.observers.sync.lastResult)
        #expect(found[1].1.contains("within \(result.spreadAfter.milliseconds) ms") && found[1].1.contains("\(result.maxRoundTrip.milliseconds) ms"))
        let deferral = try #require(found.first { $0.0 == .firstDeferral }?.1)
        #expect(deferral.contains("defers its REPLY"), "\(deferral)")
    }

    @Test func goingBackForgetsTheStopsAfterThePointReturnedTo() {
        var tour = Tour()
        _ = tour.stop(.firstReply, text: "a", pane: .clocks, position: 10)
        _ = tour.stop(.syncAverage, text: "b", pane: .clocks, position: 30)
        tour.rewind(to: 10)
        #expect(tour.stops.map(\.id) == [.firstReply])
        #expect(!tour.shown.contains(.syncAverage), "the moment comes again when the run goes on")
    }
}
