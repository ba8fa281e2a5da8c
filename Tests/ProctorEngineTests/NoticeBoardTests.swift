import Testing
@testable import ProctorEngine

/// The runtime's notices and the simulation's, as one stream a screen can follow.
@Suite struct NoticeBoardTests {
    @Test func theNewerOfTheTwoIsShownAndEveryNewOneHasANewSerial() {
        var board = NoticeBoard()
        #expect(board.newest(simulation: nil) == nil)
        let sim1 = Notice(text: "main polls", serial: 1)
        #expect(board.newest(simulation: sim1) == Notice(text: "main polls", serial: 1))
        board.say("Paused while Proctor was suspended", simulation: sim1)
        #expect(board.newest(simulation: sim1) == Notice(text: "Paused while Proctor was suspended", serial: 2))
        // The simulation's next notice is newer: it is shown, under a serial never seen before.
        let sim2 = Notice(text: "S1 is flagged", serial: 2)
        #expect(board.newest(simulation: sim2) == Notice(text: "S1 is flagged", serial: 3))
        board.say("Resumed at event 40", simulation: sim2)
        #expect(board.newest(simulation: sim2) == Notice(text: "Resumed at event 40", serial: 4))
    }

    @Test func theFirstStorageProblemStands() {
        var board = NoticeBoard()
        #expect(board.problem == nil)
        board.report("⚠ results.xlsx not saved: No space left on device")
        board.report("⚠ session.json not saved: Permission denied")
        #expect(board.problem == "⚠ results.xlsx not saved: No space left on device")
    }
}
