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
    private var view = ViewState()
    private var buffer = ScreenBuffer(width: 0, height: 0)
    private var drawnRevision: UInt64 = .max
    private var viewDirty = true
    private var redrawScheduled = false
    private var lastDraw: UInt64 = 0
    private var noticeSerial = 0
    private var sources: [any DispatchSourceProtocol] = []
    /// Set the moment `w` opens the demo's mark prompt, before a snapshot can show it, so
    /// digits typed right after go to the prompt and not to the phase keys.
    private var demoPromptOpening = false

    static let frameInterval: UInt64 = 33_000_000
    static let noticeSeconds = 4

    private init(options: Options) {
        terminal = Terminal(color: options.color)
    }

    /// Runs the interactive screen until the operator quits or a signal ends it. Never returns.
    public static func run(_ options: Options) -> Never {
        let app = App(options: options)
        app.runtime = Runtime(config: options.simulation, speed: options.speed, session: options.session, eventsFile: options.eventsFile,
                              resultsPath: options.outDirectory + "/results.xlsx") {
            DispatchQueue.main.async { MainActor.assumeIsolated { app.requestRedraw() } }
        }
        app.installSignals()
        app.terminal.begin()
        app.installInput()
        app.runtime.start()
        app.draw()
        dispatchMain()
    }

    // MARK: Signals and input

    private func installSignals() {
        // Dispatch delivers these through its own handler once a source exists; ignoring them
        // first keeps the default action (death without restoring the terminal) away.
        let endings: [(signal: Int32, exitCode: Int32)] = [(SIGINT, 130), (SIGTERM, 143), (SIGHUP, 129)]
        for (sig, code) in endings {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            src.setEventHandler { MainActor.assumeIsolated { () -> Void in self.quit(code: code) } }
            src.resume()
            sources.append(src)
        }
        signal(SIGWINCH, SIG_IGN)
        let winch = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .main)
        winch.setEventHandler { MainActor.assumeIsolated { self.resized() } }
        winch.resume()
        sources.append(winch)
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

    private func resized() {
        terminal.resize()
        _ = terminal.readKeys().filter { $0 != .resize }.map(handle)
        viewDirty = true
        draw()
    }

    func handle(_ key: Key) {
        if key == .resize { resized(); return }
        if view.helpVisible {
            // The overlay takes every key: ? or Esc closes it, q still quits.
            switch KeyTable.action(for: key) {
            case .quit?: quit(code: 0)
            case .toggleHelp?: view.helpVisible = false
            default: if key == .escape { view.helpVisible = false }
            }
            viewDirty = true
            requestRedraw()
            return
        }
        // The ISA prompt of a taken-over student in the critical section takes digits,
        // Backspace, Enter and Esc before the key table does.
        if let isaKey = promptKey(key) {
            runtime.send(.isaKey(student: view.focus + 1, isaKey))
            viewDirty = true
            requestRedraw()
            return
        }
        if let demoKey = demoPromptKey(key) {
            runtime.send(.demo(student: view.focus + 1, demoKey))
            viewDirty = true
            requestRedraw()
            return
        }
        guard let action = KeyTable.action(for: key) else { return }
        switch action {
        case .command(let c): runtime.send(c)
        case .togglePause: runtime.togglePause()
        case .step: runtime.step()
        case .faster: runtime.faster()
        case .slower: runtime.slower()
        case .focusNext, .focusPrevious, .focusFirst, .focusLast:
            demoPromptOpening = false
            let n = max(1, runtime.snapshot.studentCount)
            switch action {
            case .focusNext: view.focus = (view.focus + 1) % n
            case .focusPrevious: view.focus = (view.focus + n - 1) % n
            case .focusFirst: view.focus = 0
            default: view.focus = n - 1
            }
        case .takeOver: runtime.send(.toggleTakeover(student: view.focus + 1))
        case .answer(let choice): runtime.send(.answer(student: view.focus + 1, choice: choice))
        case .submit: runtime.send(.submitExam(student: view.focus + 1))
        case .toggleResults: view.teacherView.toggle()
        case .requestMarksheet: runtime.send(.requestMarksheet(student: view.focus + 1))
        case .demo(let key):
            let s = runtime.snapshot
            let i = view.focus
            if key == .write, i < s.studentCount, s.exam.operated[i], s.demo.startedAt != nil, s.demo.activity[i] == .choosing {
                demoPromptOpening = true
            }
            runtime.send(.demo(student: i + 1, key))
        case .toggleHelp: view.helpVisible.toggle()
        case .quit: quit(code: 0)
        }
        viewDirty = true
        requestRedraw()
    }

    /// The keys a mark prompt takes.
    private enum PromptInput { case digit(Int), backspace, enter, escape }

    private func promptInput(_ key: Key) -> PromptInput? {
        switch key {
        case .char(let c) where c.isASCII && c.isNumber: .digit(Int(String(c))!)
        case .backspace: .backspace
        case .enter: .enter
        case .escape: .escape
        default: nil
        }
    }

    /// The key as input to the ISA prompt, when the focused student has it open.
    private func promptKey(_ key: Key) -> IsaKey? {
        let s = runtime.snapshot
        let i = view.focus
        guard i < s.studentCount, s.exam.operated[i], case .inCS = s.isa.status[i], let input = promptInput(key) else { return nil }
        switch input {
        case .digit(let d): return .digit(d)
        case .backspace: return .backspace
        case .enter: return .enter
        case .escape: return .escape
        }
    }

    /// The key as input to the demo's new-mark prompt, when the focused student has it open.
    private func demoPromptKey(_ key: Key) -> DemoKey? {
        let s = runtime.snapshot
        let i = view.focus
        let typing: Bool
        if i < s.studentCount, s.demo.startedAt != nil, case .typing = s.demo.activity[i] { typing = true } else { typing = false }
        if typing { demoPromptOpening = false }
        guard i < s.studentCount, s.exam.operated[i], typing || demoPromptOpening, let input = promptInput(key) else { return nil }
        switch input {
        case .digit(let d): return .digit(d)
        case .backspace: return .backspace
        case .enter:
            demoPromptOpening = false
            return .enter
        case .escape:
            demoPromptOpening = false
            return .escape
        }
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
        guard viewDirty || snap.revision != drawnRevision || w != buffer.width || h != buffer.height else { return }
        if w != buffer.width || h != buffer.height { buffer = ScreenBuffer(width: w, height: h) }
        Screen.compose(snap, view, into: &buffer)
        terminal.present(buffer)
        drawnRevision = snap.revision
        viewDirty = false
        lastDraw = DispatchTime.now().uptimeNanoseconds
    }

    private func quit(code: Int32) -> Never {
        let error = runtime.stop()
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
