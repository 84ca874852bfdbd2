//! The IoT layer's state: the sensors, each datastream's state, alarms, and counts of what was
//! refused. Feeds hand it payloads; it never fails on a bad one: it counts it, keeps the
//! reason, and goes on (ARCHITECTURE.md, invariant 4).
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::{
    AlarmEvent, AlarmRule, DatastreamState, LayerError, Observation, PayloadMapping, Sensor, parse_observation,
};

/// What the layer has taken in and refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestCounts {
    /// Observations applied.
    pub applied: u64,
    /// Payloads that did not parse (bad JSON, wrong types, too large).
    pub malformed: u64,
    /// Observations for a datastream the layer does not know.
    pub unknown: u64,
}

/// Sensors, their state and alarms.
#[derive(Debug, Clone)]
pub struct IotLayer {
    /// The sensors.
    pub sensors: Vec<Sensor>,
    /// Datastream id -> (sensor index, datastream index within it, state index).
    index: FxHashMap<String, (u32, u32, u32)>,
    states: Vec<DatastreamState>,
    /// The rule each datastream follows, if any, and whether its alarm is on.
    rule_of: Vec<Option<u32>>,
    alarm_on: Vec<bool>,
    rules: Vec<AlarmRule>,
    /// What was taken in and refused.
    pub counts: IngestCounts,
    /// The latest refusals (newest last, at most 100), for the log and the panel.
    pub recent_errors: Vec<String>,
    /// Per sensor, the object (building, zone) holding it, once joined (`sensor_join.rs`).
    pub(crate) containers: Vec<Option<u32>>,
    /// How to read payloads of other shapes, by topic (tried before the built-in forms).
    pub mappings: Vec<PayloadMapping>,
}

impl IotLayer {
    /// A layer over `sensors` with `rules`; datastream ids must be unique.
    pub fn new(sensors: Vec<Sensor>, rules: Vec<AlarmRule>) -> Result<Self, LayerError> {
        let mut index = FxHashMap::default();
        let mut rule_of = Vec::new();
        for (si, s) in sensors.iter().enumerate() {
            for (di, d) in s.datastreams.iter().enumerate() {
                let state = index.len() as u32;
                if index.insert(d.id.clone(), (si as u32, di as u32, state)).is_some() {
                    return Err(LayerError::Rule(format!("datastream id {:?} is used twice", d.id)));
                }
                // A zone rule that covers the sensor comes before a rule for everywhere.
                let applies = |r: &&AlarmRule| r.observed_property == d.observed_property && r.covers(s.location);
                let rule = rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| applies(r))
                    .min_by_key(|(_, r)| r.zone.is_none())
                    .map(|(i, _)| i as u32);
                rule_of.push(rule);
            }
        }
        let n = index.len();
        Ok(Self {
            sensors,
            index,
            states: vec![DatastreamState::default(); n],
            alarm_on: vec![false; n],
            rule_of,
            rules,
            counts: IngestCounts::default(),
            recent_errors: Vec::new(),
            containers: Vec::new(),
            mappings: Vec::new(),
        })
    }

    /// Datastreams in the layer.
    pub fn datastream_count(&self) -> usize {
        self.states.len()
    }

    /// A datastream's state.
    pub fn state(&self, datastream: &str) -> Option<&DatastreamState> {
        self.index.get(datastream).map(|&(_, _, i)| &self.states[i as usize])
    }

    /// The rule a datastream follows, if any.
    pub fn rule_of(&self, datastream: &str) -> Option<&AlarmRule> {
        let &(_, _, i) = self.index.get(datastream)?;
        self.rule_of[i as usize].map(|r| &self.rules[r as usize])
    }

    /// Every datastream in sensor order, with its sensor's index, its state and whether its
    /// alarm is on: a walk without a lookup per datastream (colouring 100,000 markers a second).
    pub fn each_datastream(&self) -> impl Iterator<Item = (usize, &crate::Datastream, &DatastreamState, bool)> + '_ {
        // States were numbered in this order by `new`.
        self.sensors
            .iter()
            .enumerate()
            .flat_map(|(si, s)| s.datastreams.iter().map(move |d| (si, d)))
            .zip(self.states.iter().zip(&self.alarm_on))
            .map(|((si, d), (st, on))| (si, d, st, *on))
    }

    /// Whether a datastream's alarm is on.
    pub fn alarm(&self, datastream: &str) -> bool {
        self.index.get(datastream).is_some_and(|&(_, _, i)| self.alarm_on[i as usize])
    }

    /// Datastreams whose alarm is on, with their sensor.
    pub fn active_alarms(&self) -> impl Iterator<Item = (&Sensor, &str)> + '_ {
        self.index
            .iter()
            .filter(|(_, (_, _, i))| self.alarm_on[*i as usize])
            .map(|(id, (s, _, _))| (&self.sensors[*s as usize], id.as_str()))
    }

    /// Applies one observation; an alarm event if its alarm changed.
    pub fn apply(&mut self, o: &Observation) -> Result<Option<AlarmEvent>, LayerError> {
        let Some(&(_, _, i)) = self.index.get(&o.datastream) else {
            self.counts.unknown += 1;
            return Err(LayerError::UnknownDatastream(o.datastream.clone()));
        };
        let i = i as usize;
        self.states[i].push(o.time_ms, o.result);
        self.counts.applied += 1;
        let Some(r) = self.rule_of[i] else { return Ok(None) };
        let on = self.alarm_on[i];
        let next = self.rules[r as usize].next(on, o.result);
        if next == on {
            return Ok(None);
        }
        self.alarm_on[i] = next;
        Ok(Some(AlarmEvent { datastream: o.datastream.clone(), raised: next, value: o.result, time_ms: o.time_ms }))
    }

    fn note(&mut self, e: &LayerError) {
        if self.recent_errors.len() == 100 {
            self.recent_errors.remove(0);
        }
        self.recent_errors.push(e.to_string());
    }

    /// Reads one payload: through the first mapping whose topic filter matches, else as one of
    /// the built-in forms. `arrival_ms` stands in for a time the payload does not carry.
    pub fn decode(&self, topic: &str, payload: &[u8], arrival_ms: i64) -> Result<Observation, LayerError> {
        match self.mappings.iter().find(|m| m.matches(topic)) {
            Some(m) => m.parse(topic, payload, arrival_ms),
            None => parse_observation(topic, payload),
        }
    }

    /// Takes in one payload from `topic`: parsed, applied, or counted as refused.
    pub fn ingest(&mut self, topic: &str, payload: &[u8]) -> Option<AlarmEvent> {
        match self.decode(topic, payload, city_core::now_ms()) {
            Ok(o) => self.apply(&o).unwrap_or_else(|e| {
                self.note(&e);
                None
            }),
            Err(e) => {
                self.counts.malformed += 1;
                self.note(&e);
                None
            }
        }
    }

    /// Takes in a batch of (topic, payload): parsed on every core, applied in order.
    pub fn ingest_batch<T: AsRef<str> + Sync, P: AsRef<[u8]> + Sync>(&mut self, batch: &[(T, P)]) -> Vec<AlarmEvent> {
        let now = city_core::now_ms();
        let parsed: Vec<Result<Observation, LayerError>> =
            batch.par_iter().with_min_len(256).map(|(t, p)| self.decode(t.as_ref(), p.as_ref(), now)).collect();
        let mut events = Vec::new();
        for r in parsed {
            match r.and_then(|o| self.apply(&o)) {
                Ok(Some(e)) => events.push(e),
                Ok(None) => {}
                Err(e) => {
                    if !matches!(e, LayerError::UnknownDatastream(_)) {
                        self.counts.malformed += 1;
                    }
                    self.note(&e);
                }
            }
        }
        events
    }
}
