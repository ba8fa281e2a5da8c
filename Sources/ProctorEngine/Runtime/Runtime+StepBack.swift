import Dispatch

extension Runtime {
    /// Steps back one delivered event (`b`, PageUp). Not in this build yet: for now it only
    /// tells the operator so.
    public func stepBack() {
        queue.async { [self] in
            simulation.say("Step back is not available in this build.")
            publish(force: true)
        }
    }
}
