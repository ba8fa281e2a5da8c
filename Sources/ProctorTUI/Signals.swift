import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The program's signal handlers, as dispatch sources on a queue of their own — never the
/// main queue, which a terminal that takes no output can block.
enum Signals {
    private static let queue = DispatchQueue(label: "proctor.signals")

    /// Listens for each of `signals`, calling `handler` on the signals' queue for each one
    /// delivered. The signals are ignored first, so dispatch's own handler is the only one.
    /// Returns once every source listens: a source starts some time after it is resumed, and
    /// a signal before that would be lost (about half of those sent as the screen appeared).
    static func listen(_ signals: [Int32], _ handler: @escaping @Sendable (Int32) -> Void) -> [any DispatchSourceSignal] {
        let registered = DispatchGroup()
        let sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            src.setEventHandler { handler(sig) }
            registered.enter()
            src.setRegistrationHandler { registered.leave() }
            src.resume()
            return src
        }
        _ = registered.wait(timeout: .now() + .seconds(2))
        return sources
    }
}
