import Testing
@testable import ProctorEngine
@testable import ProctorTUI

/// A replay says so in the status bar, at every width, and a live run does not.
@Suite struct ReplayStatusTests {
    @Test(arguments: [80, 120, 300])
    func theStatusBarMarksAReplay(width: Int) {
        var snap = ScreenTests.snapshot(synced: false)
        let live = ScreenTests.render(snap, width, 40).line(0)
        #expect(!live.contains("REPLAY"))
        snap.replaying = true
        let replay = ScreenTests.render(snap, width, 40).line(0)
        #expect(replay.hasPrefix(" Proctor ⟲ REPLAY │ READY 0/5"), "\(replay)")
        #expect(replay.contains("seed 42"))
    }
}
