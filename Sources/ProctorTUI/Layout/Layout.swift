/// Where every pane goes, as a pure function of the terminal size and the class size.
public struct Layout: Equatable, Sendable {
    public var statusBar: Rect
    public var admin: Rect
    public var clocks: Rect
    public var students: Rect
    public var cheating: Rect
    public var locks: Rect
    public var servers: Rect
    public var eventLog: Rect
    /// One line above the caption: each invariant held or broken, and how often checked.
    public var invariants: Rect
    /// One line above the caption: what the last delivered event meant.
    public var narration: Rect
    public var caption: Rect

    public static let minimumWidth = 80
    public static let minimumHeight = 24
    public static let maximumWidth = 300
    public static let maximumHeight = 100

    public var panes: [(name: String, rect: Rect)] {
        [("status", statusBar), ("admin", admin), ("clocks", clocks), ("students", students), ("cheating", cheating),
         ("locks", locks), ("servers", servers), ("eventLog", eventLog), ("invariants", invariants), ("narration", narration),
         ("caption", caption)]
    }

    /// The layout for a `width`×`height` terminal, or nil when it is below the minimum.
    /// Beyond the maximum the screen is laid out at the maximum, top-left.
    public static func compute(width: Int, height: Int, students: Int) -> Layout? {
        guard width >= minimumWidth, height >= minimumHeight else { return nil }
        let w = min(width, maximumWidth), h = min(height, maximumHeight)
        let body = h - 4     // the status bar, the invariants strip, the narration, the caption
        let leftW = min(max(w * 26 / 100, 33), 48)
        let rightW = w - leftW
        let adminH = 7
        // Bottom band (servers · event log) keeps at least 6 rows; the middle band holds the
        // cheating monitor and lock queues and, on the left, the rest of the clocks.
        let minBottom = 6, minMiddle = 6
        // Students: a header row and one row per student, inside a border.
        let studentsH = min(max(students + 3, adminH), max(adminH, body - minBottom - minMiddle))
        let clocksWanted = students + 2 + 1 + 2     // main, teacher, students, header, borders
        let middleWanted = max(minMiddle, adminH + clocksWanted - studentsH)
        let middleH = max(minMiddle, min(middleWanted, body - studentsH - minBottom))
        let bottomH = body - studentsH - middleH
        let top = 1, midY = top + studentsH, botY = midY + middleH
        let cheatW = rightW / 2
        // On a short screen the clocks may reach into the bottom band: the servers pane keeps
        // its two lines (main and backup; the replicas' rows need a taller screen), the event
        // log beside it keeps its height.
        let clocksH = botY - top - adminH
        let lend = max(0, min(bottomH - 4, clocksWanted - clocksH))
        return Layout(
            statusBar: Rect(x: 0, y: 0, width: w, height: 1),
            admin: Rect(x: 0, y: top, width: leftW, height: adminH),
            clocks: Rect(x: 0, y: top + adminH, width: leftW, height: clocksH + lend),
            students: Rect(x: leftW, y: top, width: rightW, height: studentsH),
            cheating: Rect(x: leftW, y: midY, width: cheatW, height: middleH),
            locks: Rect(x: leftW + cheatW, y: midY, width: rightW - cheatW, height: middleH),
            servers: Rect(x: 0, y: botY + lend, width: leftW, height: bottomH - lend),
            eventLog: Rect(x: leftW, y: botY, width: rightW, height: bottomH),
            invariants: Rect(x: 0, y: h - 3, width: w, height: 1),
            narration: Rect(x: 0, y: h - 2, width: w, height: 1),
            caption: Rect(x: 0, y: h - 1, width: w, height: 1))
    }
}
