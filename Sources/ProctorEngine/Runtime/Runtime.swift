import Dispatch
import Synchronization

/// Hosts the simulation on a background serial queue.
///
/// Live, it paces virtual time to the wall clock × speed with a one-shot `DispatchSourceTimer`
/// re-armed for the next moment anything can change: the next event, or the next virtual
/// second (the finest unit a running screen shows). An idle or slowly ticking exam wakes about
/// once a second, not at a fixed frame rate. It supports pause, single step and speed changes.
/// After each batch of events it publishes an immutable `Snapshot`; a screen takes the latest
/// with `snapshot` when told by `onPublish`. The event log, when asked for, streams to a file
/// on a background I/O queue.
public final class Runtime: @unchecked Sendable {
    // Everything below marked "engine queue" is read and written only on `queue`; that
    // confinement is what makes this class safe to share (hence @unchecked Sendable).
    private let queue = DispatchQueue(label: "proctor.engine", qos: .userInitiated)
    private let io = DispatchQueue(label: "proctor.io", qos: .utility)
    private let simulation: Simulation                       // engine queue
    private var timer: DispatchSourceTimer?          // engine queue
    private var paused = false                       // engine queue
    private var speedIndex: Int                      // engine queue
    private var anchorWall: UInt64 = 0               // engine queue
    private var anchorVirtual = VirtualTime.zero     // engine queue
    private var lastPublished: UInt64 = .max         // engine queue
    private var eventsFile: AtomicFileWriter?        // io queue
    private let resultsPath: String?
    private var exportedResults = 0                  // engine queue
    private var storageError: StorageError?          // io queue
    private let files: DiskStorage?                  // engine queue
    private let latest: Mutex<Snapshot>
    private let onPublish: @Sendable () -> Void

    /// The speeds `+` and `-` step through: virtual seconds per wall second.
    public static let speeds: [Double] = [0.25, 0.5, 1, 2, 4, 8, 16]
    /// The shortest wall time between two wakeups (about 30 a second at high speeds).
    public static let minimumWakeNanoseconds: UInt64 = 33_000_000

    public init(config: Simulation.Config, speed: Double, eventsFile: AtomicFileWriter?, resultsPath: String?,
                onPublish: @escaping @Sendable () -> Void) {
        self.resultsPath = resultsPath
        // Replica files and their metadata are written by the nodes' persist effects, at once
        // and in event order, so a check always sees the latest write.
        files = resultsPath.map { DiskStorage(out: directory(of: $0)) }
        let sim = Simulation(config: config, storage: files ?? MemoryStorage())
        sim.enableStepBack()
        simulation = sim
        speedIndex = Runtime.speeds.enumerated().min { abs($0.element - speed) < abs($1.element - speed) }!.offset
        self.eventsFile = eventsFile
        self.onPublish = onPublish
        latest = Mutex(Snapshot(simulation: sim, paused: false, speed: Runtime.speeds[speedIndex]))
    }

    /// The most recently published snapshot.
    public var snapshot: Snapshot { latest.withLock { $0 } }

    /// Starts pacing virtual time to the wall clock.
    public func start() {
        queue.async { [self] in
            anchor()
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.setEventHandler { [weak self] in self?.tick() }
            timer = t
            rearm()
            t.resume()
        }
    }

    /// Carries out an operator command at the current virtual time.
    public func send(_ command: OperatorCommand) {
        queue.async { [self] in
            if !paused { advance() }
            leavePast()
            simulation.apply(command)
            publish()
            rearm()
        }
    }

    public func togglePause() {
        queue.async { [self] in
            if paused { leavePast(); paused = false; anchor() } else { advance(); paused = true }
            publish(force: true)
            rearm()
        }
    }

    /// Steps back one delivered event (pausing first): the screen shows the run as it was.
    /// Pressed again it goes further; `step` goes forward again through the same events.
    public func stepBack() {
        queue.async { [self] in
            if !paused { advance(); paused = true }
            drainLog()
            if !simulation.stepBack() { simulation.say("Nothing earlier: this is the start of the run.") }
            publish(force: true)
            rearm()
        }
    }

    /// Time or a command from a past point starts a new branch there: the future after it
    /// is discarded, its log lines cut from the log file.
    private func leavePast() {
        guard simulation.isInPast else { return }
        let discarded = simulation.horizon - simulation.position
        let cut = simulation.branch()
        simulation.say("Resumed from event \(simulation.position): the \(discarded) later events are discarded, and the run goes on from here.")
        io.async { [self] in
            guard let f = eventsFile, storageError == nil else { return }
            do throws(StorageError) { try f.truncate(to: cut) } catch { storageError = error; f.abort(); eventsFile = nil }
        }
    }

    /// While paused, delivers exactly the next event (pausing first if running).
    public func step() {
        queue.async { [self] in
            if !paused { advance(); paused = true }
            simulation.stepMessage()
            publish(force: true)
        }
    }

    public func faster() { changeSpeed(by: 1) }
    public func slower() { changeSpeed(by: -1) }

    private func changeSpeed(by d: Int) {
        queue.async { [self] in
            if !paused { advance() }
            speedIndex = min(max(speedIndex + d, 0), Runtime.speeds.count - 1)
            anchor()
            publish(force: true)
            rearm()
        }
    }

    /// Stops the clock and completes the event-log file. Returns a storage error, if any.
    public func stop() -> StorageError? {
        queue.sync { [self] in
            timer?.cancel()
            timer = nil
            drainLog()
            exportFiles()
        }
        let replicaError = queue.sync { files?.firstError }
        return io.sync { [self] in
            if let replicaError { storageError = storageError ?? replicaError }
            if let f = eventsFile {
                do throws(StorageError) { try f.commit() } catch { storageError = storageError ?? error }
                eventsFile = nil
            }
            return storageError
        }
    }

    // MARK: Engine queue

    private func anchor() {
        anchorWall = DispatchTime.now().uptimeNanoseconds
        anchorVirtual = simulation.now
    }

    /// Runs the simulation up to the virtual time the wall clock says it should have reached.
    private func advance() {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - anchorWall) / 1_000
        let target = anchorVirtual + VirtualDuration(microseconds: Int64(elapsed * Runtime.speeds[speedIndex]))
        simulation.run(until: target)
    }

    private func tick() {
        guard !paused else { return }
        advance()
        publish()
        rearm()
    }

    /// Arms the timer for the next event or the next virtual second, whichever is sooner
    /// (never sooner than the minimum wake interval); disarms it while paused.
    private func rearm() {
        guard let timer else { return }
        guard !paused else { timer.schedule(deadline: .distantFuture); return }
        let second: Int64 = 1_000_000
        let now = simulation.now
        var next = VirtualTime(microseconds: (now.microseconds.floorDivided(by: second) + 1) * second)
        var leeway = DispatchTimeInterval.milliseconds(50)
        if let event = simulation.nextEventTime, event < next {
            next = event
            leeway = .milliseconds(5)
        }
        let speed = Runtime.speeds[speedIndex]
        let due = anchorWall + UInt64(max(0, Double((next - anchorVirtual).microseconds) * 1_000 / speed).rounded(.up))
        let earliest = DispatchTime.now().uptimeNanoseconds + Runtime.minimumWakeNanoseconds
        timer.schedule(deadline: DispatchTime(uptimeNanoseconds: max(due, earliest)), leeway: leeway)
    }

    private func publish(force: Bool = false) {
        drainLog()
        exportFiles()
        guard force || simulation.revision != lastPublished else { return }
        lastPublished = simulation.revision
        let snap = Snapshot(simulation: simulation, paused: paused, speed: Runtime.speeds[speedIndex])
        latest.withLock { $0 = snap }
        onPublish()
    }

    /// Writes results.xlsx whenever a result changed — atomically, on the I/O queue.
    private func exportFiles() {
        guard let path = resultsPath, simulation.resultsRevision != exportedResults else { return }
        exportedResults = simulation.resultsRevision
        let rows = simulation.results
        io.async { [self] in
            do throws(StorageError) { try ResultsWorkbook.write(rows, to: path) } catch { storageError = storageError ?? error }
        }
    }

    private func drainLog() {
        let bytes = simulation.takeEncodedLog()
        guard !bytes.isEmpty else { return }
        io.async { [self] in
            guard let f = eventsFile, storageError == nil else { return }
            do throws(StorageError) { try f.write(bytes) } catch { storageError = error; f.abort(); eventsFile = nil }
        }
    }
}
