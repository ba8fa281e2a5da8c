import CNCurses
import Testing
@testable import ProctorTUI

@Suite struct KeyDecodeTests {
    static func codes(_ s: String) -> [Int32] { s.unicodeScalars.map { Int32($0.value) } }

    @Test func anUnrecognisedEscapeSequenceNeverReachesTheKeyTable() {
        // Home as tmux sends it to a program that believes it runs in an xterm: without
        // decoding, its "1" would start a clock sync.
        #expect(Key.decode(Self.codes("\u{1B}[1~")) == [.home])
        #expect(Key.decode(Self.codes("\u{1B}[4~")) == [.end])
        #expect(Key.decode(Self.codes("\u{1B}OH\u{1B}OF")) == [.home, .end])
        #expect(Key.decode(Self.codes("\u{1B}[15;2~")).isEmpty)   // Shift-F5: not a Proctor key
        #expect(Key.decode(Self.codes("\u{1B}1")).isEmpty)        // Alt-1
    }

    @Test func plainKeysAndALoneEscapePassThrough() {
        #expect(Key.decode(Self.codes("1n ")) == [.char("1"), .char("n"), .char(" ")])
        #expect(Key.decode([27]) == [.escape])
        #expect(Key.decode([KEY_HOME, KEY_END, KEY_NPAGE]) == [.home, .end, .pageDown])
    }

    @Test func homeAndEndMoveTheFocusToTheEnds() {
        #expect(KeyTable.action(for: .home, in: .normal) == .focusFirst)
        #expect(KeyTable.action(for: .end, in: .normal) == .focusLast)
        #expect(KeyTable.action(for: .down, in: .normal) == .focusNext)
        #expect(KeyTable.action(for: .pageDown, in: .normal) == .command(.nextPhase))
    }
}
