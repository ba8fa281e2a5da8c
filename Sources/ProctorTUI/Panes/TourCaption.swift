import ProctorEngine

/// A stop of the guided tour: its explanation in a band at the bottom of the screen (over
/// the narration and caption lines, reaching up as far as the text needs), and the pane it
/// is about outlined.
enum TourCaption {
    static func draw(_ stop: Tour.Stop, index: Int, layout l: Layout, into b: inout ScreenBuffer) {
        let pane: Rect = switch stop.pane {
        case .clocks: l.clocks
        case .students: l.students
        case .cheating: l.cheating
        case .locks: l.locks
        case .servers: l.servers
        case .eventLog: l.eventLog
        }
        b.restyleBorder(pane, style: Style(.yellow, bold: true, reverse: true))
        let width = l.caption.width
        let tail = stop.id == .end ? "q quits" : KeyTable.tourHints()
        let lines = Text.lines(stop.text, width: width - 2)
        // A rule with the stop's number, the text, the keys: at most half the screen.
        let height = min(lines.count + 2, max(3, (l.caption.maxY - 1) / 2))
        let band = Rect(x: 0, y: l.caption.maxY - height, width: width, height: height)
        b.fill(band)
        let rule = "─ Tour, stop \(index) "
        b.write(rule + String(repeating: "─", count: max(0, width - rule.cellCount - tail.cellCount - 3)) + " " + tail + " ─",
                x: 0, y: band.y, style: Style(.yellow, bold: true), clip: band)
        let room = height - 1
        for (k, line) in lines.prefix(room).enumerated() {
            let text = k == room - 1 && lines.count > room ? Text.fitWords(lines[k...].joined(separator: " "), width: width - 2) : line
            b.write(text, x: 1, y: band.y + 1 + k, style: .title, clip: band)
        }
    }
}
