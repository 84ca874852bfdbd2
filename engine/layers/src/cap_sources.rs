//! Live alert sources on threads of their own: each Atom/RSS feed polled at its interval, and an
//! MQTT topic carrying CAP XML. What they bring is queued for the incident timeline; a source
//! that fails says so in the queue and keeps trying, and never holds up the others or the frame.
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use crate::{CapAlert, CapFeedPoller, FeedEvent, LayerError, MqttFeed, MqttSettings};

/// What a live source brought.
#[derive(Debug, Clone)]
pub enum CapArrival {
    /// An alert from a feed entry (or why its entry could not be read).
    Alert {
        /// `feed URL (entry ...)`.
        source: String,
        /// The alert.
        alert: Result<CapAlert, LayerError>,
    },
    /// A message from the MQTT topic (applied, or logged when it is not CAP).
    Message {
        /// Its topic.
        topic: String,
        /// Its payload.
        payload: Vec<u8>,
    },
    /// A source is down (feed not reachable, broker gone): for the log and the panel.
    Problem(String),
}

/// Starts polling `feeds` every `poll` and listening on `mqtt` (its topics carry CAP); arrivals
/// come through the returned queue. Threads end when the queue's receiver is dropped.
pub fn start_cap_sources(feeds: &[String], poll: Duration, mqtt: Option<MqttSettings>) -> Receiver<CapArrival> {
    let (tx, rx) = channel();
    for url in feeds {
        let (tx, url) = (tx.clone(), url.clone());
        std::thread::spawn(move || poll_feed(&url, poll, &tx));
    }
    if let Some(settings) = mqtt {
        std::thread::spawn(move || listen(settings, &tx));
    }
    rx
}

fn poll_feed(url: &str, poll: Duration, tx: &Sender<CapArrival>) {
    let mut poller = CapFeedPoller::new(url, Duration::from_secs(30));
    loop {
        let sent = match poller.poll() {
            Ok(alerts) => alerts.into_iter().all(|a| {
                tx.send(CapArrival::Alert { source: format!("{url} (entry {:?})", a.entry), alert: a.alert }).is_ok()
            }),
            Err(e) => tx.send(CapArrival::Problem(format!("feed {url}: {e}; polling again in {poll:?}"))).is_ok(),
        };
        if !sent {
            return; // the viewer is gone
        }
        std::thread::sleep(poll);
    }
}

fn listen(settings: MqttSettings, tx: &Sender<CapArrival>) {
    let mut feed = MqttFeed::start(settings);
    loop {
        let ok = match feed.next_event(Duration::from_secs(1)) {
            Some(FeedEvent::Message { topic, payload, .. }) => tx.send(CapArrival::Message { topic, payload }).is_ok(),
            Some(FeedEvent::Disconnected(why)) => {
                tx.send(CapArrival::Problem(format!("CAP over MQTT down, retrying: {why}"))).is_ok()
            }
            Some(FeedEvent::Oversized { topic, bytes }) => {
                tx.send(CapArrival::Problem(format!("a {bytes}-byte message on {topic} refused: too large"))).is_ok()
            }
            Some(FeedEvent::Connected) | None => true,
        };
        if !ok {
            return;
        }
    }
}
