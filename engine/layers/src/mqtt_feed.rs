//! An MQTT feed (3.1.1, through `rumqttc`; TLS and user/password when asked) on its own thread: it connects, subscribes, and hands
//! every message to the layer's owner through a channel. When the broker goes away it retries
//! with a doubling backoff (0.1 s to 5 s) and subscribes again on every new connection. The
//! state lives in the [`IotLayer`](crate::IotLayer), not in the feed, so a reconnect loses
//! nothing.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rumqttc::{Client, Event, MqttOptions, Packet, QoS};

use crate::{AlarmEvent, IotLayer};

/// Where and what to subscribe to.
#[derive(Debug, Clone, PartialEq)]
pub struct MqttSettings {
    /// Broker host.
    pub host: String,
    /// Broker port.
    pub port: u16,
    /// This client's id.
    pub client_id: String,
    /// Topic filters (`city/#`, `v1.1/+/Observations`).
    pub topics: Vec<String>,
    /// User name and password, when the broker asks for them.
    pub credentials: Option<(String, String)>,
    /// The CA certificates (PEM) to trust, for MQTT over TLS; none: plain TCP.
    pub tls_ca: Option<Vec<u8>>,
    /// MQTT over WebSockets: the URL (`ws://host:port/path`, `wss://` with `tls_ca`); none:
    /// MQTT over TCP to `host:port`.
    pub websocket_url: Option<String>,
}

/// What the feed thread reports.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedEvent {
    /// A message.
    Message {
        /// Its topic.
        topic: String,
        /// Its payload.
        payload: Vec<u8>,
        /// When it arrived.
        received: Instant,
    },
    /// Connected (again) and subscribed.
    Connected,
    /// The connection failed or dropped; retrying.
    Disconnected(String),
    /// A message over [`MAX_MESSAGE_BYTES`], refused and counted; the connection stays up.
    Oversized {
        /// Its topic.
        topic: String,
        /// Its size, bytes.
        bytes: usize,
    },
}

/// The largest message taken in: an observation is a few hundred bytes, a CAP alert (which this
/// feed also carries) tens of kilobytes. Larger ones are refused one by one. The connection
/// itself accepts packets up to MQTT's own limit (256 MiB): a client that drops the connection
/// on a large packet gets it again on reconnecting if it is retained, and loops, losing every
/// good message.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// MQTT's largest packet (its remaining length is at most 268,435,455 bytes).
const MQTT_MAX_PACKET: usize = 268_435_455;

/// Whether the feed is up, for the panel and `iot stats`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedStatus {
    /// Connected now.
    pub connected: bool,
    /// Times it has connected (more than one: it reconnected).
    pub connections: u32,
    /// The last connection error.
    pub last_error: Option<String>,
    /// Messages taken in.
    pub messages: u64,
    /// Messages refused for their size (over [`MAX_MESSAGE_BYTES`]).
    pub oversized: u64,
}

/// A running MQTT feed.
pub struct MqttFeed {
    /// Behind a mutex so the feed can live in shared state (a Bevy resource); only its owner
    /// ever locks it.
    rx: std::sync::Mutex<Receiver<FeedEvent>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// Where it stands.
    pub status: FeedStatus,
}

impl MqttFeed {
    /// Starts the feed's thread. It never fails here: an unreachable broker shows up as
    /// `Disconnected` events while it retries.
    pub fn start(settings: MqttSettings) -> Self {
        let (tx, rx) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new().name("mqtt-feed".into()).spawn(move || run(settings, tx, flag)).ok();
        Self { rx: std::sync::Mutex::new(rx), stop, thread, status: FeedStatus::default() }
    }

    /// Applies everything received so far to `layer`; returns the alarm changes.
    pub fn drain(&mut self, layer: &mut IotLayer) -> Vec<AlarmEvent> {
        self.pending().into_iter().filter_map(|e| Self::apply(e, layer)).collect()
    }

    /// The events queued now, counted in the status, not yet applied.
    pub fn pending(&mut self) -> Vec<FeedEvent> {
        let pending: Vec<FeedEvent> = match self.rx.lock() {
            Ok(rx) => rx.try_iter().collect(),
            Err(_) => Vec::new(),
        };
        pending.iter().for_each(|e| self.note(e));
        pending
    }

    /// Applies an event from [`MqttFeed::next_event`] (which has counted it in the status) to
    /// `layer`: a message is ingested, the rest only changed the status.
    pub fn apply(e: FeedEvent, layer: &mut IotLayer) -> Option<AlarmEvent> {
        match e {
            FeedEvent::Message { topic, payload, .. } => layer.ingest(&topic, &payload),
            FeedEvent::Connected | FeedEvent::Disconnected(_) | FeedEvent::Oversized { .. } => None,
        }
    }

    fn note(&mut self, e: &FeedEvent) {
        match e {
            FeedEvent::Connected => {
                self.status.connected = true;
                self.status.connections += 1;
            }
            FeedEvent::Disconnected(why) => {
                self.status.connected = false;
                self.status.last_error = Some(why.clone());
            }
            FeedEvent::Message { .. } => self.status.messages += 1,
            FeedEvent::Oversized { topic, bytes } => {
                self.status.oversized += 1;
                self.status.last_error =
                    Some(format!("a {bytes}-byte message on {topic} refused (over {MAX_MESSAGE_BYTES} bytes)"));
            }
        }
    }

    /// The next raw event, waiting up to `timeout` (for tools that measure the feed itself).
    pub fn next_event(&mut self, timeout: Duration) -> Option<FeedEvent> {
        let e = self.rx.lock().ok()?.recv_timeout(timeout).ok()?;
        self.note(&e);
        Some(e)
    }
}

impl Drop for MqttFeed {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(settings: MqttSettings, tx: Sender<FeedEvent>, stop: Arc<AtomicBool>) {
    // Over WebSockets rumqttc takes the whole URL as the host.
    let host = settings.websocket_url.clone().unwrap_or_else(|| settings.host.clone());
    let mut opts = MqttOptions::new(settings.client_id.clone(), host, settings.port);
    opts.set_keep_alive(Duration::from_secs(5));
    opts.set_max_packet_size(MQTT_MAX_PACKET, 1 << 20);
    if let Some((u, p)) = &settings.credentials {
        opts.set_credentials(u.clone(), p.clone());
    }
    let tls = settings.tls_ca.as_ref().map(|ca| rumqttc::TlsConfiguration::Simple {
        ca: ca.clone(),
        alpn: None,
        client_auth: None,
    });
    match (tls, settings.websocket_url.is_some()) {
        (Some(tls), false) => opts.set_transport(rumqttc::Transport::tls_with_config(tls)),
        (Some(tls), true) => opts.set_transport(rumqttc::Transport::wss_with_config(tls)),
        (None, true) => opts.set_transport(rumqttc::Transport::Ws),
        (None, false) => &mut opts,
    };
    let (client, mut connection) = Client::new(opts, 1024);
    let mut backoff = Duration::from_millis(100);
    while !stop.load(Ordering::Relaxed) {
        match connection.recv_timeout(Duration::from_millis(200)) {
            Ok(Ok(Event::Incoming(Packet::ConnAck(_)))) => {
                backoff = Duration::from_millis(100);
                for t in &settings.topics {
                    let _ = client.try_subscribe(t.clone(), QoS::AtMostOnce);
                }
                if tx.send(FeedEvent::Connected).is_err() {
                    break;
                }
            }
            Ok(Ok(Event::Incoming(Packet::Publish(p)))) => {
                let e = if p.payload.len() > MAX_MESSAGE_BYTES {
                    FeedEvent::Oversized { topic: p.topic, bytes: p.payload.len() }
                } else {
                    FeedEvent::Message { topic: p.topic, payload: p.payload.to_vec(), received: Instant::now() }
                };
                if tx.send(e).is_err() {
                    break;
                }
            }
            Ok(Ok(_)) | Err(rumqttc::RecvTimeoutError::Timeout) => {}
            Ok(Err(e)) => {
                if tx.send(FeedEvent::Disconnected(e.to_string())).is_err() {
                    break;
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Err(rumqttc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = client.disconnect();
}
