//! The IoT layer live: its feeds run on a thread of their own, so taking in 100,000 sensors a
//! second never lands on a renderer's frame. The thread applies MQTT messages as they arrive and
//! the simulator's and replay's observations once a tick; after each tick it hands the owner a
//! view of the layer made by the owner's own function (the viewer makes marker colours), the
//! newest one only. The layer itself is shared behind a mutex for panels that read a sensor's
//! history.
//!
//! What drives the thread is its [`FeedClock`]: the wall clock, ticking and taking MQTT as it
//! comes (and telling a log what it took, for a recording), or a recording's inputs handed over
//! one by one, so a replay applies the same observations in the same order on any machine.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
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

/// One thing the feed thread took in: a tick (the simulator and replay observe at its time) or
/// an MQTT message. A recording is these in order; replayed, they give the same layer.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedInput {
    /// A tick at this time, ms since 1970.
    Tick {
        /// The time the simulator and the replay observed at.
        now_ms: i64,
    },
    /// A message from the broker, as received.
    Message {
        /// Its topic.
        topic: String,
        /// Its payload.
        payload: Vec<u8>,
    },
}

/// What drives the feed thread.
pub enum FeedClock {
    /// The wall clock: a tick every `tick`, MQTT messages as they come; each input is also sent
    /// to `log` when there is one.
    Live {
        /// Time between ticks.
        tick: Duration,
        /// Where to copy every input (a bench recording).
        log: Option<Sender<FeedInput>>,
    },
    /// Only these inputs, in order (a bench replay); MQTT is not listened to.
    Driven(Receiver<FeedInput>),
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
        Self::start_with(layer, feeds, FeedClock::Live { tick, log: None }, view)
    }

    /// Starts the feed thread driven by `clock`; each tick ends with `view(layer, tick number)`.
    pub fn start_with(
        layer: IotLayer,
        mut feeds: Feeds,
        clock: FeedClock,
        view: impl FnMut(&IotLayer, u64) -> T + Send + 'static,
    ) -> Self {
        if matches!(clock, FeedClock::Driven(_)) {
            feeds.mqtt = None;
        }
        let layer = Arc::new(Mutex::new(layer));
        let status = Arc::new(Mutex::new(LiveStatus {
            simulator: feeds.simulator.is_some(),
            error: feeds.error.clone(),
            ..Default::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        // One slot, overwritten: a slow owner gets the newest view, never a backlog.
        let slot = Arc::new(Mutex::new(None));
        let worker = Worker {
            layer: layer.clone(),
            status: status.clone(),
            stop: stop.clone(),
            slot: slot.clone(),
            ticks: 0,
            applied_before: 0,
            last_tick: Instant::now(),
        };
        let thread =
            std::thread::Builder::new().name("iot-feeds".into()).spawn(move || worker.run(feeds, clock, view)).ok();
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

    /// Stops the feed thread (after the input it is on) and gives a copy of the layer as the
    /// thread left it.
    pub fn stop(mut self) -> IotLayer {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        lock(&self.layer).clone()
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
    ticks: u64,
    applied_before: u64,
    last_tick: Instant,
}

impl<T> Worker<T> {
    fn run(mut self, mut feeds: Feeds, clock: FeedClock, mut view: impl FnMut(&IotLayer, u64) -> T) {
        match clock {
            FeedClock::Live { tick, log } => self.run_live(&mut feeds, tick, log, &mut view),
            FeedClock::Driven(inputs) => {
                while !self.stop.load(Ordering::Relaxed) {
                    match inputs.recv_timeout(Duration::from_millis(100)) {
                        Ok(FeedInput::Tick { now_ms }) => self.tick(&mut feeds, now_ms, &mut view),
                        Ok(FeedInput::Message { topic, payload }) => {
                            lock(&self.layer).ingest(&topic, &payload);
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            }
        }
    }

    fn run_live(
        &mut self,
        feeds: &mut Feeds,
        tick: Duration,
        log: Option<Sender<FeedInput>>,
        view: &mut impl FnMut(&IotLayer, u64) -> T,
    ) {
        let mut next_tick = Instant::now();
        while !self.stop.load(Ordering::Relaxed) {
            // Until the next tick: MQTT messages as they come (or a short sleep).
            let wait = next_tick.saturating_duration_since(Instant::now());
            match feeds.mqtt.as_mut() {
                Some(feed) => {
                    if let Some(e) = feed.next_event(wait.min(Duration::from_millis(100))) {
                        let mut layer = lock(&self.layer);
                        for e in std::iter::once(e).chain(feed.pending()) {
                            if let (Some(log), crate::FeedEvent::Message { topic, payload, .. }) = (&log, &e) {
                                let _ = log.send(FeedInput::Message { topic: topic.clone(), payload: payload.clone() });
                            }
                            MqttFeed::apply(e, &mut layer);
                        }
                    }
                }
                None => std::thread::sleep(wait.min(Duration::from_millis(100))),
            }
            if Instant::now() < next_tick {
                continue;
            }
            next_tick += tick;
            let now_ms = city_core::now_ms();
            if let Some(log) = &log {
                let _ = log.send(FeedInput::Tick { now_ms });
            }
            self.tick(feeds, now_ms, view);
        }
    }

    /// A tick at `now_ms`: the simulator's and replay's observations applied, the status
    /// updated, the owner's view made.
    fn tick(&mut self, feeds: &mut Feeds, now_ms: i64, view: &mut impl FnMut(&IotLayer, u64) -> T) {
        self.ticks += 1;
        let mut observations = Vec::new();
        if let Some(sim) = feeds.simulator.as_mut() {
            observations.extend(sim.observe(now_ms));
        }
        if let Some(replay) = feeds.replay.as_mut() {
            observations.extend(replay.observe(now_ms));
        }
        let v = {
            let mut layer = lock(&self.layer);
            for o in &observations {
                let _ = layer.apply(o);
            }
            let applied = layer.counts.applied;
            let mut status = lock(&self.status);
            status.rate = (applied - self.applied_before) as f64 / self.last_tick.elapsed().as_secs_f64().max(1e-3);
            status.ticks = self.ticks;
            status.mqtt = feeds.mqtt.as_ref().map(|f| f.status.clone());
            status.replayed = feeds.replay.as_ref().map_or(0, Replay::stream_count);
            self.applied_before = applied;
            self.last_tick = Instant::now();
            view(&layer, self.ticks)
        };
        *lock(&self.slot) = Some(v);
    }
}
