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
///
/// It is a thin host composing small parts, each testable alone: a `Pacer` decides how far
/// virtual time may go and when to wake (the runtime gives it the wall clock), a `TourGuide`
/// keeps the tour's stops, a `NoticeBoard` merges its notices with the simulation's, and
/// `LessonFiles` writes the event log, the session record and (handed over by the nodes'
/// storage port) results.xlsx.
///
/// Every command and every delivery goes through a `SessionDriver`. Live, it records the
/// lesson, and the runtime writes the record (`session.json`) at every phase change and on
/// `stop`. Replaying, the record's commands arrive at their places while time is paced,
/// paused and stepped as live; the operator's commands are refused with a notice.
public final class Runtime: @unchecked Sendable {
    /// Whether the runtime records a lesson or replays one.
    public enum Session: Sendable {
        /// Live: records the operator's commands; writes the record to `path`, when given.
        case record(to: String?)
        /// Plays a recorded lesson back; the operator's commands are refused.
        case replay(SessionRecord)
    }

    /// The notice for an operator's command during a replay.
    public static let replayRefusal = "replaying: commands come from the record"

    // Everything below marked "engine queue" is read and written only on `queue`; that
    // confinement is what makes this class safe to share (hence @unchecked Sendable).
    private let queue = DispatchQueue(label: "proctor.engine", qos: .userInitiated)
    private let driver: SessionDriver                // engine queue
    private var simulation: Simulation { driver.simulation }
    private var replayEndAnnounced = false           // engine queue
    /// The runtime's own notices beside the simulation's, and the standing storage problem
    /// (engine queue).
    private var notices = NoticeBoard()
    private var timer: DispatchSourceTimer?          // engine queue
    /// Pause, speed and the pace of virtual time (engine queue): the runtime gives it the
    /// wall clock and carries out its decisions.
    private var pacer: Pacer
    /// The guided tour, when on (engine queue).
    private var guide: TourGuide?
    private var publications: UInt64 = 0             // engine queue
    private var lastPublished: UInt64 = .max         // engine queue
    /// The event log, results.xlsx and the session record, written on a background queue.
    private var output: LessonFiles!
    private let files: DiskStorage?                  // engine queue
    private let latest: Mutex<Snapshot>
    private let onPublish: @Sendable () -> Void

    public init(config: Simulation.Config, speed: Double, session: Session = .record(to: nil), eventsFile: AtomicFileWriter?,
                resultsPath: String?, tour: Bool = false, onPublish: @escaping @Sendable () -> Void) {
        guide = tour ? TourGuide() : nil
        // Replica files and their metadata are written by the nodes' persist effects, at once
        // and in event order, so a check always sees the latest write.
        files = resultsPath.map { DiskStorage(out: directory(of: $0)) }
        let sim = Simulation(config: config, storage: files ?? MemoryStorage())
        let sessionPath: String?
        switch session {
        case .record(let path):
            sessionPath = path
            driver = SessionDriver(recording: sim, header: SessionRecord(
                seed: config.seed, students: config.studentCount, speed: speed, data: config.data.sha256,
                faults: config.faults.map(\.description)))
            sim.enableStepBack()
        case .replay(let record):
            sessionPath = nil
            driver = SessionDriver(replaying: record, into: sim)
        }
        pacer = Pacer(speed: speed, wall: Runtime.wallNow())
        self.onPublish = onPublish
        var first = Snapshot(simulation: sim, paused: false, speed: pacer.speed)
        first.replaying = driver.mode == .replaying
        latest = Mutex(first)
        let output = LessonFiles(eventsFile: eventsFile, sessionPath: sessionPath) { [weak self] problem in
            guard let runtime = self else { return }
            runtime.queue.async { runtime.storageFailed(problem) }
        }
        self.output = output
        // results.xlsx comes through the same persist path; making it is slow next to an event,
        // so it is written on the I/O queue, the latest version only.
        files?.writeWorkbookLater = { path, rows in output.writeWorkbook(rows, to: path) }
    }

    /// The most recently published snapshot.
    public var snapshot: Snapshot { latest.withLock { $0 } }

    /// Starts pacing virtual time to the wall clock.
    public func start() {
        queue.async { [self] in
            pacer.anchor(wall: Runtime.wallNow(), at: simulation.now)
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.setEventHandler { [weak self] in self?.tick() }
            timer = t
            tourNextPhase()
            publish(force: true)
            rearm()
            t.resume()
        }
    }

    /// Carries out an operator command at the current virtual time (refused while replaying).
    public func send(_ command: OperatorCommand) {
        queue.async { [self] in
            if !pacer.isPaused { advance() }
            let resumed = driver.mode == .recording ? leavePast() : nil
            if !driver.apply(command) { say(Runtime.replayRefusal) }
            // Both what the command did and that the run branched are news: one notice.
            if let resumed { say(resumed + (simulation.notice.map { " " + $0.text } ?? "")) }
            publish(force: true)
            rearm()
        }
    }

    public func togglePause() {
        queue.async { [self] in
            if driver.isAtEnd {
                say("The recorded lesson has ended; there is nothing more to play. q quits.")
            } else if pacer.isPaused {
                if let resumed = leavePast() { say(resumed) }
                pacer.resume(wall: Runtime.wallNow(), at: simulation.now)
            } else { advance(); pacer.pause() }
            publish(force: true)
            rearm()
        }
    }

    /// The process is about to be stopped (Ctrl-Z): virtual time stops here, and stays
    /// paused when it comes back. Returns once paused.
    public func suspend() {
        queue.sync { [self] in
            if !pacer.isPaused {
                advance()
                pacer.pause()
                say("Paused while Proctor was suspended (Ctrl-Z); space resumes from the same moment.")
            }
            publish(force: true)
            rearm()
        }
    }

    /// Steps back one delivered event (pausing first): the screen shows the run as it was.
    /// Pressed again it goes further; `step` goes forward again through the same events.
    public func stepBack() {
        queue.async { [self] in
            if !pacer.isPaused { advance(); pacer.pause() }
            drainLog()
            if !simulation.stepBackEnabled {
                say("Step back works in a live lesson; a replay goes forward only (. steps).")
            } else if !simulation.stepBack() {
                say("Nothing earlier: this is the start of the run.")
            }
            publish(force: true)
            rearm()
        }
    }

    /// Time or a command from a past point starts a new branch there: the future after it
    /// is discarded, its log lines cut from the log file, its commands from the record.
    /// Returns the words for the operator, when it branched.
    private func leavePast() -> String? {
        guard simulation.isInPast else { return nil }
        let discarded = simulation.horizon - simulation.position
        let cut = simulation.branch()
        let at = simulation.now
        driver.rewind(to: simulation.position)
        output.cutLog(to: cut, at: at)
        return "Resumed at event \(simulation.position); \(discarded) later events discarded."
    }

    /// While paused, delivers exactly the next event (pausing first if running).
    public func step() {
        queue.async { [self] in
            if !pacer.isPaused { advance(); pacer.pause() }
            let from = simulation.now, wasInFlight = simulation.world.kernel.inFlight > 0
            let delivered = driver.stepMessage()
            if let text = Runtime.stepNotice(delivered: delivered, wasInFlight: wasInFlight, from: from, to: simulation.now) {
                say(text)
            }
            checkReplayEnd()
            publish(force: true)
        }
    }

    /// What `.` did when it was not simply the next message on the wire: nothing left at all,
    /// or, with nothing in flight, timers run through a stretch of quiet (the clock's jump
    /// would otherwise look like nothing happened).
    static func stepNotice(delivered: Bool, wasInFlight: Bool, from: VirtualTime, to now: VirtualTime) -> String? {
        guard delivered else { return "Nothing left to deliver: every node is waiting for a key or a phase." }
        guard !wasInFlight, now - from >= .seconds(1) else { return nil }
        let t = Int(now.microseconds / 1_000_000)
        let mm = t / 60 < 10 ? "0\(t / 60)" : "\(t / 60)", ss = t % 60 < 10 ? "0\(t % 60)" : "\(t % 60)"
        return "Nothing was in flight: skipped \(span(now - from)) of quiet to t \(mm):\(ss), when a timer sent the next message."
    }

    /// `2m 10s`, `45s`, `1.5s`.
    static func span(_ d: VirtualDuration) -> String {
        let ms = d.milliseconds
        if ms < 10_000 { return TextFormat.fixed(Double(ms) / 1000, 1) + "s" }
        let s = ms / 1000
        return s >= 60 ? "\(s / 60)m \(s % 60)s" : "\(s)s"
    }

    public func faster() { changeSpeed(by: 1) }
    public func slower() { changeSpeed(by: -1) }

    private func changeSpeed(by d: Int) {
        queue.async { [self] in
            if !pacer.isPaused { advance() }
            pacer.changeSpeed(by: d, cap: speedCap, wall: Runtime.wallNow(), at: simulation.now)
            publish(force: true)
            rearm()
        }
    }

    /// Stops the clock, records the quit, and completes the event-log file and the session
    /// record. Returns a storage error, if any.
    public func stop() -> StorageError? {
        let record: [UInt8]? = queue.sync { [self] in
            timer?.cancel()
            timer = nil
            if !pacer.isPaused { advance() }
            // Quit while stepped back: the lesson ends where it had reached, as its log does.
            if simulation.isInPast { simulation.stepBack(to: simulation.horizon) }
            driver.quit()
            drainLog()
            return output.recordsSession ? driver.record.encoded() : nil
        }
        let replicaError = queue.sync { () -> StorageError? in
            files?.settle()
            return files?.firstError
        }
        return output.finish(record: record, replicaError: replicaError)
    }

    // MARK: Engine queue

    /// The wall clock the pacer is given: monotonic nanoseconds.
    private static func wallNow() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Runs the simulation up to the virtual time the wall clock says it should have reached,
    /// as the pacer decides: a paced phase delivers its events one by one, each at its turn
    /// (virtual time waits for the class). On the tour, events go one at a time, and the run
    /// stops at a teaching moment.
    private func advance() {
        let wall = Runtime.wallNow()
        deliver: while true {
            switch pacer.decide(wall: wall, now: simulation.now, next: driver.nextEventTime, pacing: pacing) {
            case .deliverNext:
                if tourStep() { return }
            case .hold:
                break deliver
            case .run(let target):
                if guide != nil {
                    while let next = driver.nextEventTime, next <= target {
                        if tourStep() { return }
                    }
                }
                driver.run(until: target)
                break deliver
            }
        }
        checkReplayEnd()
        let before = pacer.speed
        if pacer.cap(speedCap, wall: wall, at: simulation.now), pacer.speed < before, let k = typingStudent {
            let limit = Int(simulation.scenario.isaHoldTimeout.microseconds / 1_000_000)
            say("S\(k) holds the marksheet: time runs at 1× while you type its mark, so its \(limit) s hold limit is \(limit) s on your watch.")
        }
    }

    /// Delivers one event; on the tour, stops (paused) when it was a teaching moment.
    /// Returns whether it stopped.
    private func tourStep() -> Bool {
        let before = simulation.log.count
        driver.step()
        guard guide?.look(atNew: simulation.log.count - before, in: simulation) == true else { return false }
        pacer.pause()
        return true
    }

    /// Writes the run so far (to the furthest point reached) in ShiViz's format to `path`,
    /// from the event log being written; says so, or why it cannot.
    public func exportShiViz(to path: String) {
        queue.async { [self] in
            drainLog()
            output.exportShiViz(to: path) { [self] text in
                queue.async { [self] in
                    say(text)
                    publish(force: true)
                }
            }
        }
    }

    /// The tour goes on from its stop (`n`, PageDown): the run resumes to the next moment.
    public func continueTour() {
        queue.async { [self] in
            guard guide != nil else { return }
            if guide?.isOver == true { say("The tour is over. q quits."); publish(force: true); return }
            if let resumed = leavePast() { say(resumed) }
            guide?.goOn()
            pacer.resume(wall: Runtime.wallNow(), at: simulation.now)
            publish(force: true)
            rearm()
        }
    }

    /// The tour goes back to its previous stop (`b`, PageUp): the run as it was there.
    public func tourBack() {
        queue.async { [self] in
            guard guide != nil else { return }
            if !pacer.isPaused { advance(); pacer.pause() }
            guard let target = guide?.previousStop else {
                say("This is the tour's first stop.")
                publish(force: true)
                return
            }
            drainLog()
            simulation.stepBack(to: target.position)
            guide?.back(to: target)
            publish(force: true)
            rearm()
        }
    }

    /// On the tour, a phase that has completed is followed by the next, as a presenter would
    /// (after the welcome, before the first).
    private func tourNextPhase() {
        guard guide != nil, guide?.stop == nil, !pacer.isPaused, simulation.phase != .done else { return }
        let phase = simulation.phase
        if phase == nil, guide?.welcome(at: simulation.position) == true {
            pacer.pause()
            return
        }
        guard phase == nil || simulation.completed.contains(phase!) else { return }
        let before = simulation.log.count
        _ = driver.apply(.nextPhase)
        if guide?.look(atNew: simulation.log.count - before, in: simulation) == true { pacer.pause() }
    }

    /// What the pacer paces now.
    private var pacing: Pacer.Pacing { Pacer.Pacing(simulation) }

    /// The student the operator plays that is inside the ISA critical section, typing.
    private var typingStudent: Int? {
        simulation.world.cluster.studentViews.first { st in
            if st.operated, case .inCS = st.isa { true } else { false }
        }?.number
    }

    /// The speed is held to 1× while a played student types its ISA mark: the hold limit is
    /// virtual time, and at 16× it would cut off a human after a third of a second.
    private var speedCap: Double? { typingStudent != nil ? 1 : nil }

    /// At the end of a replay the clock stops, with a notice saying why.
    private func checkReplayEnd() {
        guard driver.isAtEnd, !replayEndAnnounced else { return }
        replayEndAnnounced = true
        pacer.pause()
        if let d = driver.divergence {
            say("The replay stopped: \(d). Were the record and this Proctor made for each other?")
        } else {
            say("The recorded lesson ends here: its operator quit at this moment. q quits.")
        }
    }

    private func say(_ text: String) { notices.say(text, simulation: simulation.notice) }

    private func tick() {
        guard !pacer.isPaused else { return }
        advance()
        tourNextPhase()
        publish()
        rearm()
    }

    /// Arms the timer for the pacer's next wakeup; disarms it while paused.
    private func rearm() {
        guard let timer else { return }
        guard let wake = pacer.wake(wall: Runtime.wallNow(), now: simulation.now, next: driver.nextEventTime, pacing: pacing) else {
            timer.schedule(deadline: .distantFuture)
            return
        }
        timer.schedule(deadline: DispatchTime(uptimeNanoseconds: wake.deadline), leeway: .milliseconds(wake.leewayMilliseconds))
    }

    private func publish(force: Bool = false) {
        drainLog()
        output.recordSession(at: simulation.phase) { driver.record.encoded() }
        guard force || simulation.revision != lastPublished else { return }
        lastPublished = simulation.revision
        var snap = Snapshot(simulation: simulation, paused: pacer.isPaused, speed: pacer.speed)
        snap.replaying = driver.mode == .replaying
        snap.tour = guide?.view
        publications += 1
        snap.publishSerial = publications
        if let e = files?.firstError { notices.report("⚠ " + e.notice) }
        snap.storageProblem = notices.problem
        snap.notice = notices.newest(simulation: simulation.notice)
        latest.withLock { $0 = snap }
        onPublish()
    }

    /// A file failed to be written: the screen says so until the end.
    private func storageFailed(_ problem: String) {
        notices.report(problem)
        publish(force: true)
    }

    private func drainLog() {
        output.appendLog(simulation.takeEncodedLog(), at: simulation.now)
    }
}
