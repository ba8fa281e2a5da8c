import Dispatch
import ProctorEngine
#if canImport(Glibc)
import Glibc
#endif

/// The interactive program: owns the terminal on the main queue, turns keys into commands
/// for the runtime, and redraws from the latest snapshot when something changed — at most
/// ~30 times a second. Every way out restores the terminal.
@MainActor
public final class App {
    public struct Options: Sendable {
        public var simulation: Simulation.Config
        public var speed: Double
        public var color: Bool
        public var eventsFile: AtomicFileWriter?
        public var outDirectory: String
        /// Live: where the session record goes (nil: not written). Or a record to replay.
        public var session: Runtime.Session
        /// `--shiviz`: the ShiViz file made at quit from the event log (`events`), which is
        /// removed after unless the operator asked for it too.
        public var shiviz: (events: String, file: String, keepEvents: Bool)?
        /// `--tour`: the guided tour, stopping at each teaching moment.
        public var tour = false
        public init(simulation: Simulation.Config, speed: Double, color: Bool, eventsFile: AtomicFileWriter?, outDirectory: String,
                    session: Runtime.Session = .record(to: nil)) {
            self.outDirectory = outDirectory
            self.session = session
            self.simulation = simulation
            self.speed = speed
            self.color = color
            self.eventsFile = eventsFile
        }
    }

    private let terminal: Terminal
    private var runtime: Runtime!
    private var exitGuard: ExitGuard!
    private var view = ViewState()
    private var buffer = ScreenBuffer(width: 0, height: 0)
    private var drawnSerial: UInt64 = .max
    private var viewDirty = true
    private var redrawScheduled = false
    private var lastDraw: UInt64 = 0
    private var noticeSerial = 0
    private var sources: [any DispatchSourceProtocol] = []
    /// Every key goes through it; it knows the input mode from the keys themselves.
    private var router: InputRouter

    static let frameInterval: UInt64 = 33_000_000
    static let noticeSeconds = 4

    private let options: Options

    private init(options: Options) {
        self.options = options
        terminal = Terminal(color: options.color)
        router = InputRouter(students: options.simulation.studentCount, maxMark: options.simulation.data.scenario.isaMaxMark)
    }

    /// Why this terminal cannot show the screen (`TERM` unknown, or without cursor
    /// addressing), or nil when it can.
    public nonisolated static func terminalProblem() -> String? { Terminal.problem() }

    /// Runs the interactive screen until the operator quits or a signal ends it. Never returns.
    public static func run(_ options: Options) -> Never {
        let app = App(options: options)
        app.runtime = Runtime(config: options.simulation, speed: options.speed, session: options.session, eventsFile: options.eventsFile,
                              resultsPath: options.outDirectory + "/results.xlsx", tour: options.tour) {
            DispatchQueue.main.async { MainActor.assumeIsolated { app.requestRedraw() } }
        }
        app.exitGuard = ExitGuard(runtime: app.runtime, shiviz: options.shiviz)
        // Everything from here runs on the main queue, which dispatchMain() hands to a worker
        // thread: set up there too, so every touch of the app is ordered by the queue.
        DispatchQueue.main.async {
            MainActor.assumeIsolated {
                app.installSignals()
                app.terminal.begin()
                app.installInput()
                app.runtime.start()
                app.draw()
            }
        }
        dispatchMain()
    }

    // MARK: Signals and input

    private func installSignals() {
        // Every signal that would end the program ends it here, the terminal restored.
        let endings: [(signal: Int32, exitCode: Int32)] = [(SIGINT, 130), (SIGTERM, 143), (SIGHUP, 129), (SIGQUIT, 131),
                                                          (SIGUSR1, 138), (SIGUSR2, 140), (SIGALRM, 142), (SIGPIPE, 141)]
        sources += exitGuard.handle(endings) { code in MainActor.assumeIsolated { () -> Void in self.quit(code: code) } }
        // Ctrl-Z: virtual time stops with the process. The run is paused, the terminal given
        // back, and the process stopped; on `fg` the screen comes back, paused where it was.
        // However the process was stopped and continued, the screen is taken back and drawn
        // whole, in the program's own terminal modes (SIGCONT continues it, ignored or not).
        sources += Signals.listen([SIGTSTP, SIGCONT, SIGWINCH]) { sig in
            DispatchQueue.main.async {
                MainActor.assumeIsolated {
                    switch sig {
                    case SIGTSTP: self.suspend()
                    case SIGCONT: self.continued()
                    default: self.resized()
                    }
                }
            }
        }
    }

    private func installInput() {
        let src = DispatchSource.makeReadSource(fileDescriptor: STDIN_FILENO, queue: .main)
        src.setEventHandler { MainActor.assumeIsolated { self.readInput() } }
        src.resume()
        sources.append(src)
    }

    private func readInput() {
        for key in terminal.readKeys() { handle(key) }
    }

    private func suspend() {
        runtime.suspend()
        terminal.suspend()
        // SIGSTOP, not SIGTSTP: the queues' threads block the signals the program handles, so
        // a raised SIGTSTP would stay pending; SIGSTOP stops the whole process, as the shell
        // expects of a Ctrl-Z.
        kill(getpid(), SIGSTOP)
        // Here again after SIGCONT (`fg`).
        continued()
    }

    /// After SIGCONT: the terminal taken back and the screen drawn whole.
    private func continued() {
        terminal.resume()
        viewDirty = true
        draw()
        // The shell may put back the modes it saved for the job just after continuing it
        // (line input, echo): the program's own are put back again if so.
        for ms in [50, 150, 400, 1000] {
            DispatchQueue.main.asyncAfter(deadline: .now() + .milliseconds(ms)) {
                MainActor.assumeIsolated {
                    self.terminal.ensureProgramMode()
                }
            }
        }
    }

    private func resized() {
        terminal.resize()
        _ = terminal.readKeys().filter { $0 != .resize }.map(handle)
        viewDirty = true
        draw()
    }

    func handle(_ key: Key) {
        if key == .resize { resized(); return }
        let snap = runtime.snapshot
        for action in router.route(key, RoutingFacts(snap)) {
            switch action {
            case .send(let c): runtime.send(c)
            case .togglePause: runtime.togglePause()
            case .step: runtime.step()
            case .stepBack: runtime.stepBack()
            case .tourNext: runtime.continueTour()
            case .tourBack: runtime.tourBack()
            case .faster: runtime.faster()
            case .exportShiViz: runtime.exportShiViz(to: options.shiviz?.file ?? options.outDirectory + "/run.shiviz")
            case .slower: runtime.slower()
            case .quit: quit(code: 0)
            }
        }
        viewDirty = true
        requestRedraw()
    }

    // MARK: Drawing

    func requestRedraw() {
        guard !redrawScheduled else { return }
        redrawScheduled = true
        let now = DispatchTime.now().uptimeNanoseconds
        let due = lastDraw + App.frameInterval
        let delay = due > now ? due - now : 0
        DispatchQueue.main.asyncAfter(deadline: .now() + .nanoseconds(Int(delay))) {
            MainActor.assumeIsolated {
                self.redrawScheduled = false
                self.draw()
            }
        }
    }

    private func draw() {
        guard terminal.isActive else { return }
        let snap = runtime.snapshot
        if let n = snap.notice, n.serial != noticeSerial {
            noticeSerial = n.serial
            view.showNotice = true
            viewDirty = true
            let serial = n.serial
            DispatchQueue.main.asyncAfter(deadline: .now() + .seconds(App.noticeSeconds)) {
                MainActor.assumeIsolated {
                    guard self.noticeSerial == serial else { return }
                    self.view.showNotice = false
                    self.viewDirty = true
                    self.draw()
                }
            }
        }
        let (w, h) = terminal.size
        guard viewDirty || snap.publishSerial != drawnSerial || w != buffer.width || h != buffer.height else { return }
        if w != buffer.width || h != buffer.height { buffer = ScreenBuffer(width: w, height: h) }
        view.focus = router.focus
        view.helpVisible = router.helpVisible
        view.teacherView = router.teacherView
        view.logScroll = router.logScroll
        view.studentScreen = router.studentScreen
        view.diagram = router.diagramVisible
        view.diagramHidden = router.diagramHidden
        view.diagramScroll = router.diagramScroll
        view.diagramLane = router.diagramLane
        view.mode = router.mode(RoutingFacts(snap))
        Screen.compose(snap, view, into: &buffer)
        terminal.present(buffer)
        drawnSerial = snap.publishSerial
        viewDirty = false
        lastDraw = DispatchTime.now().uptimeNanoseconds
    }

    private func quit(code: Int32) -> Never {
        exitGuard.arm(code: code)
        let error = exitGuard.finishFiles()
        terminal.end()
        if let error {
            FileHandleOutput.standardError("proctor: \(error)\n")
            exit(2)
        }
        exit(code)
    }
}

enum FileHandleOutput {
    static func standardError(_ s: String) {
        var bytes = Array(s.utf8)
        _ = Glibc.write(STDERR_FILENO, &bytes, bytes.count)
    }
}
