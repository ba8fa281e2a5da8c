import ProctorEngine

/// What the screen shows besides the snapshot: focus, overlays, a notice being shown.
public struct ViewState: Equatable, Sendable {
    /// The focused student, from 0.
    public var focus = 0
    public var helpVisible = false
    public var showNotice = false
    /// The students pane shows the teacher's results table instead.
    public var teacherView = false
    /// The input mode, whose keys the status bar shows.
    public var mode = InputMode.normal
    /// How many events back from the newest the event log shows (0: it follows the run).
    public var logScroll = 0
    /// The focused student's own screen replaces the monitors (`e`; always for a played one).
    public var studentScreen = false
    /// The space-time diagram fills the screen (`g`): the mechanisms it hides, how far back
    /// it is scrolled, its first lane.
    public var diagram = false
    public var diagramHidden: Set<Mechanism> = []
    public var diagramScroll = 0
    public var diagramLane = 0
    public init() {}
}

/// Composes a whole frame: a pure function of (snapshot, view state, size) into a buffer.
public enum Screen {
    public static func compose(_ s: Snapshot, _ v: ViewState, into b: inout ScreenBuffer) {
        b.clear()
        guard let l = Layout.compute(width: b.width, height: b.height, students: s.studentCount) else {
            tooSmall(into: &b)
            return
        }
        let focus = min(max(0, v.focus), max(0, s.studentCount - 1))
        StatusBar.draw(s, l.statusBar, mode: v.helpVisible ? .help : v.mode, into: &b)
        if v.diagram {
            // The diagram fills the screen between the status bar and the narration.
            SpaceTimeDiagram.draw(s, v, focus: focus, in: Rect(x: 0, y: 1, width: l.statusBar.width, height: l.invariants.maxY - 1), into: &b)
            Narration.draw(s, l.narration, into: &b)
            CaptionLine.draw(s, l.caption, showNotice: v.showNotice, into: &b)
            if v.helpVisible { HelpOverlay.draw(in: Rect(x: 0, y: 1, width: l.statusBar.width, height: l.caption.y - 1), tour: s.tour != nil, into: &b) }
            return
        }
        AdminPane.draw(s, l.admin, into: &b)
        ClocksPane.draw(s, l.clocks, focus: focus, into: &b)
        StudentsPane.draw(s, l.students, focus: focus, teacherView: v.teacherView, into: &b)
        let monitorArea = Rect(x: l.cheating.x, y: l.cheating.y, width: l.cheating.width + l.locks.width, height: l.cheating.height)
        if s.phase == .done {
            SummaryPane.draw(s, monitorArea, into: &b)
            if let r = l.studentScreen { StudentScreen.draw(s, student: focus, r, into: &b) }
        } else if let r = l.studentScreen {
            // Wide: the focused student's own screen beside the monitors, always.
            CheatingPane.draw(s, l.cheating, into: &b)
            LocksPane.draw(s, l.locks, into: &b)
            StudentScreen.draw(s, student: focus, r, into: &b)
        } else if s.exam.operated.indices.contains(focus), s.exam.operated[focus] || v.studentScreen, !v.teacherView {
            // The student the operator plays sees its own screen, where the monitors were.
            StudentScreen.draw(s, student: focus, monitorArea, into: &b)
        } else {
            CheatingPane.draw(s, l.cheating, into: &b)
            LocksPane.draw(s, l.locks, into: &b)
        }
        ServersPane.draw(s, l.servers, into: &b)
        EventLogPane.draw(s, l.eventLog, scroll: v.logScroll, into: &b)
        InvariantsStrip.draw(s, l.invariants, into: &b)
        Narration.draw(s, l.narration, into: &b)
        CaptionLine.draw(s, l.caption, showNotice: v.showNotice, into: &b)
        if let t = s.tour, let stop = t.stop { TourCaption.draw(stop, index: t.index, layout: l, into: &b) }
        if v.mode == .faultMenu && !v.helpVisible {
            FaultMenu.draw(s, focus: focus, in: Rect(x: 0, y: 1, width: l.statusBar.width, height: l.caption.y - 1), into: &b)
        }
        if v.helpVisible {
            HelpOverlay.draw(in: Rect(x: 0, y: 1, width: l.statusBar.width, height: l.caption.y - 1), tour: s.tour != nil, into: &b)
        }
    }

    static func tooSmall(into b: inout ScreenBuffer) {
        guard b.height > 0 else { return }
        let need = "\(Layout.minimumWidth)×\(Layout.minimumHeight)"
        let options = ["Terminal too small: \(b.width)×\(b.height). Proctor needs \(need). Enlarge it, or press q to quit.",
                       "Terminal too small: \(b.width)×\(b.height), need \(need) (q quits)",
                       "Terminal too small (need \(need))",
                       "Too small: need \(need)",
                       "Too small"]
        let text = options.first { $0.cellCount <= b.width } ?? String(options.last!.prefix(b.width))
        b.write(text, x: max(0, (b.width - text.cellCount) / 2), y: b.height / 2, style: .warn)
    }
}
