import CNCurses
#if canImport(Glibc)
import Glibc
#endif

/// The only code that calls ncurses. It sets the terminal up, restores it on every way out,
/// reads keys, and copies the cells of a `ScreenBuffer` that changed since the last frame.
@MainActor
final class Terminal {
    let color: Bool
    private var previous: ScreenBuffer?
    private(set) var isActive = false
    /// Standard error while the screen is open: a library's message (libxlsxwriter's on a
    /// full disk) would be printed over the screen, so it goes nowhere; Proctor reports
    /// errors through its own notices, and puts standard error back before it prints them.
    private var savedStandardError: Int32 = -1

    init(color: Bool) {
        self.color = color
    }

    /// Why the terminal `$TERM` names cannot draw the screen, or nil when it can. Asked
    /// before anything is created, so a bad TERM leaves nothing behind.
    nonisolated static func problem() -> String? {
        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        switch proctor_terminal_problem() {
        case 0: return nil
        case 2: return "the terminal TERM=\(term) cannot move the cursor, so it cannot draw the screen; use --headless, or set TERM=xterm-256color"
        default:
            return term.isEmpty ? "TERM is not set, so the screen cannot be drawn; use --headless, or set TERM=xterm-256color"
                : "the terminal TERM=\(term) is unknown here, so the screen cannot be drawn; use --headless, or set TERM=xterm-256color"
        }
    }

    func begin() {
        _ = proctor_setup_locale()
        proctor_install_fatal_restore()
        initscr()
        cbreak()
        noecho()
        nonl()
        proctor_no_flow_control()
        // The program's terminal modes as ncurses restores them after a suspension.
        def_prog_mode()
        keypad(proctor_stdscr(), true)
        nodelay(proctor_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        if color && has_colors() {
            start_color()
            use_default_colors()
            let map: [(Color, Int32)] = [(.red, COLOR_RED), (.green, COLOR_GREEN), (.yellow, COLOR_YELLOW), (.blue, COLOR_BLUE),
                                         (.magenta, COLOR_MAGENTA), (.cyan, COLOR_CYAN), (.gray, proctor_colors() >= 16 ? 8 : COLOR_WHITE)]
            for (c, n) in map { init_pair(Int16(c.rawValue), Int16(n), -1) }
        }
        isActive = true
        savedStandardError = dup(STDERR_FILENO)
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        if savedStandardError >= 0, null >= 0 { dup2(null, STDERR_FILENO) }
        if null >= 0 { close(null) }
    }

    /// Restores the terminal. Safe to call more than once.
    func end() {
        guard isActive else { return }
        isActive = false
        curs_set(1)
        endwin()
        if savedStandardError >= 0 {
            dup2(savedStandardError, STDERR_FILENO)
            close(savedStandardError)
            savedStandardError = -1
        }
    }

    /// Gives the terminal back to the shell for a suspension (Ctrl-Z); `resume` takes it again.
    func suspend() {
        guard isActive else { return }
        curs_set(1)
        endwin()
    }

    /// Takes the terminal back after a suspension, and redraws everything.
    func resume() {
        guard isActive else { return }
        reset_prog_mode()
        curs_set(0)
        previous = nil
        clearok(proctor_stdscr(), true)
        refresh()
    }

    /// Puts the program's terminal modes back if something changed them (a shell restoring
    /// its saved modes for a job it continues, after the job already set its own).
    func ensureProgramMode() {
        guard isActive else { return }
        var t = termios()
        guard tcgetattr(STDIN_FILENO, &t) == 0 else { return }
        if t.c_lflag & tcflag_t(ICANON | ECHO) != 0 || t.c_iflag & tcflag_t(IXON) != 0 { reset_prog_mode() }
    }

    var size: (width: Int, height: Int) {
        (Int(proctor_cols()), Int(proctor_lines()))
    }

    /// Tells ncurses the new size after SIGWINCH, and forgets the last frame.
    func resize() {
        var rows: Int32 = 0, cols: Int32 = 0
        if proctor_window_size(&rows, &cols) != 0 { resizeterm(rows, cols) }
        previous = nil
        clearok(proctor_stdscr(), true)
    }

    /// Reads every key ncurses has buffered.
    func readKeys() -> [Key] {
        var codes: [Int32] = []
        while true {
            let c = getch()
            if c == ERR { break }
            codes.append(c)
        }
        return Key.decode(codes)
    }

    /// Copies the cells that differ from the last frame to the terminal, one run of equal
    /// style at a time, then updates the screen once.
    func present(_ buffer: ScreenBuffer) {
        let spans = buffer.changes(since: previous)
        for span in spans {
            let base = span.y * buffer.width
            // A span that starts on the second half of a wide character starts on its first.
            var x = span.x > 0 && buffer.cells[base + span.x].char == Cell.continuation ? span.x - 1 : span.x
            while x < span.endX {
                let style = buffer.cells[base + x].style
                var run = String.UnicodeScalarView()
                let start = x
                while x < span.endX, buffer.cells[base + x].style == style {
                    let c = buffer.cells[base + x].char
                    let next = x + 1 < buffer.width ? buffer.cells[base + x + 1].char : " "
                    if c == Cell.continuation {
                        // The terminal already moved past it with its wide character — unless
                        // that was overwritten: then a space.
                        if x == start || buffer.cells[base + x - 1].char.cellWidth != 2 { run.append(" ") }
                    } else if c.cellWidth == 2 && next != Cell.continuation {
                        run.append(" ")                     // its second half was overwritten
                    } else {
                        run.append(c)
                    }
                    x += 1
                }
                // Writing the bottom-right cell would scroll some terminals: leave it out.
                if span.y == buffer.height - 1 && x == buffer.width { run.removeLast() }
                proctor_attrset(attributes(style))
                mvaddstr(Int32(span.y), Int32(start), String(run))
            }
        }
        previous = buffer
        if !spans.isEmpty { refresh() }
    }

    private func attributes(_ s: Style) -> attr_t {
        var a = proctor_a_normal()
        if s.bold { a |= proctor_a_bold() }
        if s.reverse { a |= proctor_a_reverse() }
        if s.dim { a |= proctor_a_dim() }
        if s.underline { a |= proctor_a_underline() }
        if color && s.color != .normal { a |= proctor_color_pair(Int16(s.color.rawValue)) }
        return a
    }
}
