/// The guided tour as a live run goes through it: the tour's moments and the stop the run is
/// at. Sans-I/O: the runtime tells it what each delivered event or command logged, and it
/// says whether the run stops there; the runtime pauses.
struct TourGuide: Sendable {
    private(set) var tour = Tour()
    /// The stop the run is paused at, if any.
    private(set) var stop: Tour.Stop?

    /// After an event or a command that logged `new` entries: stops when they are a moment
    /// not yet shown. Returns whether it stopped.
    mutating func look(atNew new: Int, in simulation: Simulation) -> Bool {
        let recent = simulation.log.recent
        guard new > 0, let (m, text, pane) = tour.moment(after: ArraySlice(recent.suffix(min(new, recent.count))), in: simulation.world) else {
            return false
        }
        stop = tour.stop(m, text: text, pane: pane, position: simulation.position)
        return true
    }

    /// Before the first phase: the welcome, once. Returns whether it stopped.
    mutating func welcome(at position: Int) -> Bool {
        guard !tour.shown.contains(.welcome) else { return false }
        stop = tour.stop(.welcome, text: Tour.welcome, pane: .eventLog, position: position)
        return true
    }

    /// The last stop has been reached.
    var isOver: Bool { stop?.id == .end }

    /// The run goes on from the stop.
    mutating func goOn() { stop = nil }

    /// Where `b` goes: at a stop, the one before it; between stops, the last one made.
    var previousStop: Tour.Stop? {
        stop.map { now in tour.stops.last { $0.position < now.position } } ?? tour.stops.last
    }

    /// The run went back to `target`: the stops after it are forgotten.
    mutating func back(to target: Tour.Stop) {
        tour.rewind(to: target.position)
        stop = target
    }

    /// What the screen shows of it.
    var view: Snapshot.TourView { Snapshot.TourView(stop: stop, index: tour.stops.count, total: Tour.count) }
}
