/// The one stream of notices a screen shows: the simulation's own and the runtime's, under
/// one serial so a screen sees every new one, the newer of the two shown; and, apart, the
/// first storage failure, which stands until quit.
struct NoticeBoard: Sendable, Equatable {
    /// The runtime's latest notice.
    private var own: Notice?
    /// How many the runtime has given.
    private var count = 0
    /// The simulation's notice serial when `own` was given: a later one of its own wins.
    private var after = 0
    /// The first storage failure.
    private(set) var problem: String?

    /// The runtime says `text`, the simulation's latest notice being `simulation`.
    mutating func say(_ text: String, simulation: Notice?) {
        count += 1
        after = simulation?.serial ?? 0
        own = Notice(text: text, serial: 0)
    }

    /// A storage failure; only the first is kept.
    mutating func report(_ problem: String) {
        if self.problem == nil { self.problem = problem }
    }

    /// The notice to show beside the simulation's latest, `simulation`, with a serial that
    /// grows with every new notice of either.
    func newest(simulation: Notice?) -> Notice? {
        let simSerial = simulation?.serial ?? 0
        let newest = own.flatMap { simSerial == after ? $0 : nil } ?? simulation
        return newest.map { Notice(text: $0.text, serial: simSerial + count) }
    }
}
