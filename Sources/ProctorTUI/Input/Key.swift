/// A key press, independent of ncurses.
public enum Key: Hashable, Sendable {
    case char(Character)
    case tab, backTab, enter, escape, backspace
    case pageUp, pageDown, up, down, left, right
    case resize

    public var label: String {
        switch self {
        case .char(" "): "space"
        case .char(let c): String(c)
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Backspace"
        case .pageUp: "PageUp"
        case .pageDown: "PageDown"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .resize: "resize"
        }
    }
}

import CNCurses

extension Key {
    init?(ncurses c: Int32) {
        switch c {
        case 9: self = .tab
        case 10, 13, KEY_ENTER: self = .enter
        case 27: self = .escape
        case 127, 8, KEY_BACKSPACE: self = .backspace
        case KEY_BTAB: self = .backTab
        case KEY_NPAGE: self = .pageDown
        case KEY_PPAGE: self = .pageUp
        case KEY_UP: self = .up
        case KEY_DOWN: self = .down
        case KEY_LEFT: self = .left
        case KEY_RIGHT: self = .right
        case KEY_RESIZE: self = .resize
        case 32..<127:
            self = .char(Character(Unicode.Scalar(UInt8(c))))
        default: return nil
        }
    }
}
