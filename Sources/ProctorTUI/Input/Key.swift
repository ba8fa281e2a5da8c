/// A key press, independent of ncurses.
public enum Key: Hashable, Sendable {
    case char(Character)
    case tab, backTab, enter, escape, backspace
    case pageUp, pageDown, up, down, left, right, home, end
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
        case .home: "Home"
        case .end: "End"
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
        case KEY_HOME: self = .home
        case KEY_END: self = .end
        case KEY_RESIZE: self = .resize
        case 32..<127:
            self = .char(Character(Unicode.Scalar(UInt8(c))))
        default: return nil
        }
    }
}

extension Key {
    /// Turns the codes ncurses returned in one read into keys. An escape sequence ncurses did
    /// not recognise (a terminal whose TERM describes another terminal, e.g. Home sent as
    /// `ESC [ 1 ~`) arrives as ESC and then plain characters; it is decoded when it is a key
    /// Proctor knows and dropped otherwise, so its `1` or `~` never reaches the key table.
    /// An Alt-modified key (ESC then a character) is dropped as well.
    static func decode(_ codes: [Int32]) -> [Key] {
        var keys: [Key] = []
        var i = 0
        func ascii(_ c: Int32) -> Character? { (32..<127).contains(c) ? Character(Unicode.Scalar(UInt8(c))) : nil }
        while i < codes.count {
            let c = codes[i]
            i += 1
            guard c == 27, i < codes.count, let next = ascii(codes[i]) else {
                if let k = Key(ncurses: c) { keys.append(k) }
                continue
            }
            i += 1
            var body = ""
            if next == "[" {
                // CSI: parameters and intermediates, then one final byte in @…~.
                while i < codes.count, let ch = ascii(codes[i]) {
                    i += 1
                    body.append(ch)
                    if ("@"..."~").contains(ch) { break }
                }
            } else if next == "O", i < codes.count, let ch = ascii(codes[i]) {
                i += 1
                body.append(ch)
            } else {
                continue   // Alt + a key: not a Proctor key
            }
            switch body {
            case "A": keys.append(.up)
            case "B": keys.append(.down)
            case "C": keys.append(.right)
            case "D": keys.append(.left)
            case "H", "1~", "7~": keys.append(.home)
            case "F", "4~", "8~": keys.append(.end)
            case "5~": keys.append(.pageUp)
            case "6~": keys.append(.pageDown)
            case "Z": keys.append(.backTab)
            default: break
            }
        }
        return keys
    }
}
