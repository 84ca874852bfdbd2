//! The IoT layer live: its feeds run on a thread of their own, so taking in 100,000 sensors a
//! second never lands on a renderer's frame. The thread applies MQTT messages as they arrive and
//! the simulator's and replay's observations once a tick; after each tick it hands the owner a
//! view of the layer made by the owner's own function (the viewer makes marker colours), the
//! newest one only. The layer itself is shared behind a mutex for panels that read a sensor's
//! history.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::{FeedStatus, IotLayer, MqttFeed, Replay, Simulator};

/// The feeds of a live layer; any may be absent (replayed datastreams are usually left out of
/// the simulator's).
#[derive(Default)]
pub struct Feeds {
    /// The built-in simulator.
    pub simulator: Option<Simulator>,
    /// Recorded series, replayed.
    pub replay: Option<Replay>,
    /// An MQTT broker.
    pub mqtt: Option<MqttFeed>,
    /// Why the configured feed could not start (a missing password variable...), for the panel.
    pub error: Option<String>,
}

/// Where the feeds stand, for a panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveStatus {
    /// The simulator runs.
    pub simulator: bool,
    /// Datastreams replayed from recordings.
    pub replayed: usize,
    /// The MQTT feed's state, when there is one.
    pub mqtt: Option<FeedStatus>,
    /// Why the configured feed could not start.
    pub error: Option<String>,
    /// Observations applied per second over the last tick.
    pub rate: f64,
    /// Ticks done.
    pub ticks: u64,
}

impl LiveStatus {
    /// One line for people: which feed, and whether it is up.
    pub fn feed_line(&self) -> String {
        let mut parts = Vec::new();
        if let Some(e) = &self.error {
            parts.push(format!("feed not started: {e}"));
        }
        if let Some(m) = &self.mqtt {
            parts.push(if m.connected {
                format!("MQTT up ({} messages)", m.messages)
            } else {
                format!("MQTT down, retrying ({})", m.last_error.as_deref().unwrap_or("connecting"))
            });
        }
        if self.replayed > 0 {
            parts.push(format!("replay of {} datastreams", self.replayed));
        }
        if self.simulator {
            parts.push("built-in simulator".into());
        }
        if parts.is_empty() {
            parts.push("no feed".into());
        }
        format!("feed: {}", parts.join(", "))
    }
}

/// A layer whose feeds run on their own thread, handing out views of type `T`.
pub struct LiveIot<T> {
    /// The layer, shared with the feed thread (hold the lock briefly).
    layer: Arc<Mutex<IotLayer>>,
    status: Arc<Mutex<LiveStatus>>,
    view: Arc<Mutex<Option<T>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn lock<U>(m: &Mutex<U>) -> MutexGuard<'_, U> {
    // A panic on the feed thread poisons the lock; the data is still the last consistent state.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<T: Send + 'static> LiveIot<T> {
    /// Starts the feed thread: every `tick` it applies the simulator's and replay's
    /// observations, then sends `view(layer, tick number)`.
    pub fn start(
        layer: IotLayer,
        feeds: Feeds,
        tick: Duration,
        view: impl FnMut(&IotLayer, u64) -> T + Send + 'static,
    ) -> Self {
        let layer = Arc::new(Mutex::new(layer));
        let status = Arc::new(Mutex::new(LiveStatus {
            simulator: feeds.simulator.is_some(),
            error: feeds.error.clone(),
            ..Default::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        // One slot, overwritten: a slow owner gets the newest view, never a backlog.
        let slot = Arc::new(Mutex::new(None));
        let worker =
            Worker { layer: layer.clone(), status: status.clone(), stop: stop.clone(), slot: slot.clone(), tick };
        let thread = std::thread::Builder::new().name("iot-feeds".into()).spawn(move || worker.run(feeds, view)).ok();
        Self { layer, status, view: slot, stop, thread }
    }

    /// The newest view since the last call, if any.
    pub fn latest(&self) -> Option<T> {
        lock(&self.view).take()
    }

    /// The layer, locked: read what you need and let go.
    pub fn layer(&self) -> MutexGuard<'_, IotLayer> {
        lock(&self.layer)
    }

    /// Where the feeds stand.
    pub fn status(&self) -> LiveStatus {
        lock(&self.status).clone()
    }
}

impl<T> Drop for LiveIot<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker<T> {
    layer: Arc<Mutex<IotLayer>>,
    status: Arc<Mutex<LiveStatus>>,
    stop: Arc<AtomicBool>,
    slot: Arc<Mutex<Option<T>>>,
    tick: Duration,
}

impl<T> Worker<T> {
    fn run(self, mut feeds: Feeds, mut view: impl FnMut(&IotLayer, u64) -> T) {
        let mut ticks = 0u64;
        let mut next_tick = Instant::now();
        let mut applied_before = 0;
        let mut last_tick = Instant::now();
        while !self.stop.load(Ordering::Relaxed) {
            // Until the next tick: MQTT messages as they come (or a short sleep).
            let wait = next_tick.saturating_duration_since(Instant::now());
            match feeds.mqtt.as_mut() {
                Some(feed) => {
                    if let Some(e) = feed.next_event(wait.min(Duration::from_millis(100))) {
                        let mut layer = lock(&self.layer);
                        MqttFeed::apply(e, &mut layer);
                        feed.drain(&mut layer);
                    }
                }
                None => std::thread::sleep(wait.min(Duration::from_millis(100))),
            }
            if Instant::now() < next_tick {
                continue;
            }
            next_tick += self.tick;
            ticks += 1;
            let now = city_core::now_ms();
            let mut observations = Vec::new();
            if let Some(sim) = feeds.simulator.as_mut() {
                observations.extend(sim.observe(now));
            }
            if let Some(replay) = feeds.replay.as_mut() {
                observations.extend(replay.observe(now));
            }
            let v = {
                let mut layer = lock(&self.layer);
                for o in &observations {
                    let _ = layer.apply(o);
                }
                let applied = layer.counts.applied;
                let mut status = lock(&self.status);
                status.rate = (applied - applied_before) as f64 / last_tick.elapsed().as_secs_f64().max(1e-3);
                status.ticks = ticks;
                status.mqtt = feeds.mqtt.as_ref().map(|f| f.status.clone());
                status.replayed = feeds.replay.as_ref().map_or(0, Replay::stream_count);
                applied_before = applied;
                last_tick = Instant::now();
                view(&layer, ticks)
            };
            *lock(&self.slot) = Some(v);
        }
    }
}
