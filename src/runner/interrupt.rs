//! Ctrl-C and, on Unix, SIGTERM: the signals that stop a run (after its clean-up) and the
//! reference target.

/// The interrupt signals, listened for from the moment this is made: a signal that comes
/// before anyone waits is kept for the next [`Interrupt::recv`].
#[derive(Debug)]
pub struct Interrupt {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Interrupt {
    /// Starts listening for Ctrl-C (SIGINT) and SIGTERM. Needs a tokio runtime.
    ///
    /// Once listened for, the signals no longer end the process by themselves: whoever
    /// listens must act on them.
    pub fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for the next Ctrl-C or SIGTERM.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Waits for the next signal of `interrupt`, or for ever when there is none to listen to.
pub(super) async fn next(interrupt: &mut Option<Interrupt>) {
    match interrupt {
        Some(interrupt) => interrupt.recv().await,
        None => std::future::pending().await,
    }
}
