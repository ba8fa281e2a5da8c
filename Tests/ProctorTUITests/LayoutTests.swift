import Testing
@testable import ProctorTUI

@Suite struct LayoutTests {
    static let sizes: [(Int, Int)] = [(80, 24), (81, 25), (100, 30), (120, 40), (160, 48), (200, 60), (250, 80), (300, 100), (400, 120)]

    @Test(arguments: [1, 2, 5, 30, 100])
    func panesFillTheScreenWithoutOverlapping(students: Int) throws {
        for (w, h) in Self.sizes {
            let l = try #require(Layout.compute(width: w, height: h, students: students))
            let panes = l.panes.map(\.rect)
            let usedW = min(w, Layout.maximumWidth), usedH = min(h, Layout.maximumHeight)
            for (name, r) in l.panes {
                #expect(!r.isEmpty, "\(name) empty at \(w)×\(h)")
                #expect(r.x >= 0 && r.y >= 0 && r.maxX <= usedW && r.maxY <= usedH, "\(name) \(r) outside \(w)×\(h)")
            }
            for i in panes.indices { for j in panes.indices where i < j {
                #expect(!panes[i].intersects(panes[j]), "\(l.panes[i].name) overlaps \(l.panes[j].name) at \(w)×\(h)")
            } }
            let area = panes.reduce(0) { $0 + $1.width * $1.height }
            #expect(area == usedW * usedH, "every cell belongs to one pane at \(w)×\(h)")
            #expect(l.admin.height >= 7, "the five admin keys are always visible")
            #expect(l.eventLog.height >= 6 && l.servers.height >= 4)
            #expect(l.invariants == Rect(x: 0, y: usedH - 3, width: usedW, height: 1), "the invariants strip: above the narration and the caption")
        }
    }

    @Test func fiveStudentsAndTheirClocksFitTheSmallestScreen() throws {
        let l = try #require(Layout.compute(width: 80, height: 24, students: 5))
        #expect(l.students.inner.height >= 5)
        #expect(l.clocks.inner.height >= 7, "main, teacher and five students")
    }

    @Test func belowTheMinimumThereIsNoLayout() {
        #expect(Layout.compute(width: 79, height: 40, students: 5) == nil)
        #expect(Layout.compute(width: 120, height: 23, students: 5) == nil)
        #expect(Layout.compute(width: 40, height: 12, students: 5) == nil)
    }
}

/// A big screen gives its room to what carries meaning: the student's own screen beside the
/// monitors rather than in their place, the monitors taller, the servers' log below the clocks.
@Suite struct WideLayoutTests {
    @Test func theStudentsScreenSitsBesideTheMonitorsOnlyWhereTheyStayReadable() throws {
        let wide = try #require(Layout.compute(width: 200, height: 60, students: 17))
        let screen = try #require(wide.studentScreen)
        #expect(wide.cheating.width >= 35 && wide.locks.width >= 35 && screen.width >= 70)
        #expect(wide.cheating.height >= 12, "the monitors' lists have room")
        for (w, h) in [(80, 24), (120, 40), (160, 48)] {
            #expect(try #require(Layout.compute(width: w, height: h, students: 5)).studentScreen == nil, "\(w)×\(h)")
        }
    }

    @Test func theClocksTakeTheRowsTheyNeedAndTheServersTheRest() throws {
        let l = try #require(Layout.compute(width: 200, height: 60, students: 5))
        #expect(l.clocks.inner.height == 1 + 7, "a header, main, teacher, five students: no empty rows")
        #expect(l.servers.y == l.clocks.maxY && l.servers.maxY == l.invariants.y)
    }

    @Test func afterTheExamTheWideScreenShowsEveryPaneAndTheServersLog() throws {
        let snap = ExamScreenTests.examSnapshot(students: 17, seed: 11)
        let text = ScreenTests.render(snap, 200, 60, StudentScreenTests.view(1)).text
        for title in ["Cheating monitor", "Lock queues", "S2 ", "'s screen", "Servers", "Event log"] {
            #expect(text.contains(title), "\(title)")
        }
        let records = snap.exam.records.compactMap { $0 }
        #expect(records.count == 17)
        let logged = records.filter { r in text.contains("\(r.student.shortName) → \(r.server.shortName)") }
        #expect(logged.count >= 12, "the servers' log lists the submissions: \(logged.count)")
        for rd in snap.exam.redirects where logged.contains(where: { $0.student == .student(rd.student) }) {
            #expect(text.contains("S\(rd.student) → backup (main full) · "), "a refused submission names why it went to the backup")
        }
    }
}
