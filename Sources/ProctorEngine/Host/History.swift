/// What stepping back needs: copies of the world taken every `interval` delivered events,
/// and every operator command with the position it was given at. Any earlier point is then
/// the nearest copy before it, re-executed — deterministically — up to that point.
struct History {
    struct Command {
        /// Events delivered before it.
        var after: Int
        var at: VirtualTime
        var command: OperatorCommand
    }

    static let interval = 256
    /// The recent log entries a checkpoint keeps.
    static let checkpointRecent = 400
    var checkpoints: [(position: Int, world: World)] = []
    var commands: [Command] = []
    /// The furthest position reached: everything up to it is already in the log.
    var horizon = 0
    /// The virtual time the run had reached at the horizon (time moves on between events).
    var horizonTime = VirtualTime.zero
}

/// Wraps the real storage port so that re-executing the past never touches a file: each
/// persist or check made before is answered with the outcome it had. A branch (new commands
/// from a past point) forgets the discarded future and puts its files back as they were.
final class StorageJournal: StoragePort, @unchecked Sendable {
    // Used from the simulation's owner only, hence unchecked.
    struct Entry {
        var op: StorageOp
        var path: String
        var bytes: [UInt8]?
        var outcome: StorageOutcome
    }

    let inner: StoragePort
    private(set) var entries: [Entry] = []
    /// The serial of the next operation (the world's count of storage operations).
    var next = 0

    init(_ inner: StoragePort) { self.inner = inner }

    func persist(path: String, bytes: [UInt8], sha256: String) -> StorageOutcome {
        defer { next += 1 }
        if next < entries.count { return entries[next].outcome }
        let outcome = inner.persist(path: path, bytes: bytes, sha256: sha256)
        entries.append(Entry(op: .persist, path: path, bytes: bytes, outcome: outcome))
        return outcome
    }

    func check(path: String, sha256: String) -> StorageOutcome {
        defer { next += 1 }
        if next < entries.count { return entries[next].outcome }
        let outcome = inner.check(path: path, sha256: sha256)
        entries.append(Entry(op: .check, path: path, bytes: nil, outcome: outcome))
        return outcome
    }

    /// Passed on, re-executed past included: the workbook shows the results where the run
    /// stands, as the screen does.
    func persistWorkbook(path: String, rows: [ResultRow]) { inner.persistWorkbook(path: path, rows: rows) }

    func discard(path: String) { inner.discard(path: path) }

    /// Forgets everything from `next` on and writes back each file the forgotten part had
    /// changed: its last earlier bytes, or no file.
    func branch() {
        guard next < entries.count else { return }
        let forgotten = entries[next...].filter { $0.op == .persist }.map(\.path)
        entries.removeSubrange(next...)
        var restore: [(path: String, bytes: [UInt8])] = []
        var remove: [String] = []
        for path in Set(forgotten).sorted() {
            if let last = entries.last(where: { $0.op == .persist && $0.path == path }), let bytes = last.bytes {
                restore.append((path, bytes))
            } else {
                remove.append(path)
            }
        }
        // Files that did not exist then go first, the metadata before the copies it names;
        // then the others are written back, the copies before the metadata that names them.
        let metadataFirst = remove.filter { $0 == ReplicaFiles.metadataName } + remove.filter { $0 != ReplicaFiles.metadataName }
        for path in metadataFirst { inner.discard(path: path) }
        for (path, bytes) in restore { _ = inner.persist(path: path, bytes: bytes) }
    }
}

extension Simulation {
    /// From now on, keeps what stepping back needs (the live program turns it on).
    public func enableStepBack() {
        guard history == nil else { return }
        let journal = StorageJournal(storage)
        journal.next = world.kernel.storageOps
        storage = journal
        history = History(checkpoints: [(world.kernel.delivered, world)], commands: [], horizon: world.kernel.delivered)
    }

    public var stepBackEnabled: Bool { history != nil }
    /// Events delivered so far.
    public var position: Int { world.kernel.delivered }
    /// The furthest position reached.
    public var horizon: Int { history?.horizon ?? position }
    /// Whether the run stands at an earlier point than the furthest reached.
    public var isInPast: Bool { position < horizon }

    /// Goes back one delivered event. False at the start.
    @discardableResult
    public func stepBack() -> Bool {
        stepBack(to: position - 1)
    }

    /// Returns the run to the state after `target` delivered events (and the commands given
    /// then), from the nearest checkpoint, re-executing what lies between.
    @discardableResult
    public func stepBack(to target: Int) -> Bool {
        guard let h = history, target >= 0, target <= h.horizon, target != position,
              let checkpoint = h.checkpoints.last(where: { $0.position <= target }) else { return false }
        holdPendingLog()
        let revision = world.revision
        world = checkpoint.world
        world.revision = revision + 1
        (storage as? StorageJournal)?.next = world.kernel.storageOps
        replayCommands(at: world.kernel.delivered)
        while world.kernel.delivered < target, redeliver() {}
        if target == h.horizon { world.advance(to: h.horizonTime) }
        return true
    }

    /// Forgets the future after this point: the commands after it and the checkpoints after
    /// it; files go back to what they were here. Returns the log length at this point, to
    /// which the log file is cut.
    @discardableResult
    public func branch() -> Int {
        guard var h = history else { return world.kernel.log.encodedTotal }
        let p = position
        h.commands.removeAll { $0.after > p }
        h.checkpoints.removeAll { $0.position > p }
        h.horizon = p
        h.horizonTime = now
        history = h
        held = []   // lines of the discarded future
        (storage as? StorageJournal)?.branch()
        return world.kernel.log.encodedTotal
    }

    /// The operator commands of the run, with their positions (for the session record).
    public var positionedCommands: [(after: Int, at: VirtualTime, command: OperatorCommand)] {
        history?.commands.map { ($0.after, $0.at, $0.command) } ?? []
    }

    // MARK: Inside the engine

    /// Called after every delivery: checkpoints, the horizon, and when re-executing, the
    /// commands given at this point and the log lines already written.
    func delivered(reexecuting: Bool) {
        guard var h = history else { return }
        let p = world.kernel.delivered
        if reexecuting {
            world.kernel.log.discardEncoded()
            history = h
            replayCommands(at: p)
            // Forward again to where the run had reached: the time it had reached too.
            if p == h.horizon { world.advance(to: h.horizonTime) }
            return
        }
        if p >= h.horizon {
            h.horizon = p
            h.horizonTime = now
            if p % History.interval == 0, h.checkpoints.last.map({ $0.position < p }) ?? true {
                // The long scroll-back of the screens stays out of checkpoints: a few hundred
                // recent entries are what a screen needs at once.
                var saved = world
                saved.kernel.trimForCheckpoint(keepingRecent: History.checkpointRecent)
                h.checkpoints.append((p, saved))
            }
        }
        history = h
    }

    func recordCommand(_ c: OperatorCommand) {
        guard history != nil else { return }
        if isInPast { branch() }
        history!.commands.append(.init(after: position, at: now, command: c))
        history!.horizon = position
        history!.horizonTime = now
    }

    /// Delivers the next event of the past again. False when none is pending.
    private func redeliver() -> Bool {
        guard world.deliverNext(storage: storage) != nil else { return false }
        delivered(reexecuting: true)
        return true
    }

    /// Applies again, at their times, the commands given after `p` delivered events.
    private func replayCommands(at p: Int) {
        guard let h = history else { return }
        for c in h.commands where c.after == p {
            world.advance(to: c.at)
            world.apply(c.command, storage: storage)
        }
        world.kernel.log.discardEncoded()
    }
}
