/// Where every pane goes, as a pure function of the terminal size and the class size.
public struct Layout: Equatable, Sendable {
    public var statusBar: Rect
    public var admin: Rect
    public var clocks: Rect
    public var students: Rect
    public var cheating: Rect
    public var locks: Rect
    /// A wide screen shows the focused student's own screen beside the monitors, not in their
    /// place: nil where it would leave them too narrow.
    public var studentScreen: Rect?
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
         ("locks", locks)] + (studentScreen.map { [("studentScreen", $0)] } ?? [])
            + [("servers", servers), ("eventLog", eventLog), ("invariants", invariants), ("narration", narration), ("caption", caption)]
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
        // cheating monitor and lock queues (and on a wide screen the student's own screen).
        let minBottom = 6, minMiddle = 6
        // Students: a header row and one row per student, inside a border.
        let studentsH = min(max(students + 3, adminH), max(adminH, body - minBottom - minMiddle))
        let clocksWanted = students + 2 + 1 + 2     // main, teacher, students, header, borders
        let rest = body - studentsH
        var middleH = max(minMiddle, min(max(minMiddle, adminH + clocksWanted - studentsH), rest - minBottom))
        // A tall screen gives the monitors (and the student's screen) room to show their
        // lists, rather than all of it to the event log.
        if rest >= 30 { middleH = max(middleH, min(rest - minBottom, rest * 2 / 5)) }
        let bottomH = rest - middleH
        let top = 1, midY = top + studentsH, botY = midY + middleH
        // The left column: the admin keys, every clock it has room for, then the servers
        // (their main and backup lines at least; with the replicas' rows where there is room).
        let leftRest = body - adminH
        let clocksH = min(clocksWanted, leftRest - (leftRest - 7 >= 9 ? 7 : 4))
        // Wide: cheating · locks · the student's screen, the last as wide as the other two.
        let wide = rightW >= 140
        let cheatW = wide ? rightW / 4 : rightW / 2
        let locksW = wide ? rightW / 4 : rightW - cheatW
        return Layout(
            statusBar: Rect(x: 0, y: 0, width: w, height: 1),
            admin: Rect(x: 0, y: top, width: leftW, height: adminH),
            clocks: Rect(x: 0, y: top + adminH, width: leftW, height: clocksH),
            students: Rect(x: leftW, y: top, width: rightW, height: studentsH),
            cheating: Rect(x: leftW, y: midY, width: cheatW, height: middleH),
            locks: Rect(x: leftW + cheatW, y: midY, width: locksW, height: middleH),
            studentScreen: wide ? Rect(x: leftW + cheatW + locksW, y: midY, width: rightW - cheatW - locksW, height: middleH) : nil,
            servers: Rect(x: 0, y: top + adminH + clocksH, width: leftW, height: body - adminH - clocksH),
            eventLog: Rect(x: leftW, y: botY, width: rightW, height: bottomH),
            invariants: Rect(x: 0, y: h - 3, width: w, height: 1),
            narration: Rect(x: 0, y: h - 2, width: w, height: 1),
            caption: Rect(x: 0, y: h - 1, width: w, height: 1))
    }
}
